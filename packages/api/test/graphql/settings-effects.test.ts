import { describe, expect, it } from "vitest";
import { codes, dataOf, gql } from "./support/graphql-client";
import { type TestApi, type TestFleet, useTestFleet } from "./support/test-fleet";

/**
 * Settings whose effect a person sees through the API, each changed from its
 * default (loaded with loadSettings by the test fleet) and observed in what
 * createWorker does and what Worker shows.
 */
const CREATE = `mutation ($input: CreateWorkerInput!) {
  createWorker(input: $input) {
    worker {
      id region instanceType amiId amiName cmlVersion
      idle { enabled thresholdMinutes }
      cost { hourlyRate }
    }
  }
}`;

interface Created {
  readonly id: string;
  readonly region: string;
  readonly instanceType: string;
  readonly amiId: string;
  readonly amiName: string | null;
  readonly cmlVersion: string | null;
  readonly idle: { readonly enabled: boolean; readonly thresholdMinutes: number };
  readonly cost: { readonly hourlyRate: number };
}

function creator(fleet: TestFleet, api: TestApi) {
  return (input: Record<string, unknown>) =>
    gql<{ createWorker: { worker: Created } }>(api.url, CREATE, {
      token: fleet.tokens.ADMIN,
      variables: { input },
    });
}

describe("settings changed from their defaults", () => {
  const { fleet, api } = useTestFleet("settings-effects", {
    env: {
      AWS_ALLOWED_REGIONS: "us-west-2",
      AWS_DEFAULT_REGION: "us-west-2",
      CML_WORKER_AMI_CONFIG: JSON.stringify({
        "us-west-2": { ami_id: "ami-0f7a3b9c2d1e45a68", ami_name: "CML-2.8.1-Custom", cml_version: "2.8.1" },
      }),
      CML_WORKER_DEFAULT_INSTANCE_TYPE: "t3.xlarge",
      CML_WORKER_ALLOWED_INSTANCE_TYPES: "t3.xlarge,m5.2xlarge",
      CML_WORKER_HOURLY_PRICES: JSON.stringify({ "t3.xlarge": 1.5, "m5.2xlarge": 0.5 }),
      CML_WORKER_REGIONAL_HOURLY_PRICES: JSON.stringify({ "us-west-2": { "m5.2xlarge": 2.25 } }),
      CML_WORKER_AUTO_SHUTDOWN_ENABLED: "false",
      CML_WORKER_IDLE_THRESHOLD: "45m",
      CML_WORKER_MAX_IDLE_BEFORE_WARNING: "40m",
    },
  });

  it("CML_WORKER_DEFAULT_INSTANCE_TYPE, CML_WORKER_AMI_CONFIG, CML_WORKER_HOURLY_PRICES, the idle policy: a new worker follows them", async () => {
    const created = dataOf(await creator(fleet, api)({ name: "fx-default", region: "us-west-2" }))
      .createWorker.worker;
    expect(created).toMatchObject({
      region: "us-west-2",
      instanceType: "t3.xlarge",
      amiId: "ami-0f7a3b9c2d1e45a68",
      amiName: "CML-2.8.1-Custom",
      cmlVersion: "2.8.1",
      idle: { enabled: false, thresholdMinutes: 45 },
      cost: { hourlyRate: 1.5 },
    });
  });

  it("CML_WORKER_REGIONAL_HOURLY_PRICES wins over the per-type price in its region", async () => {
    const created = dataOf(
      await creator(fleet, api)({ name: "fx-regional", region: "us-west-2", instanceType: "m5.2xlarge" }),
    ).createWorker.worker;
    expect(created.cost.hourlyRate).toBe(2.25);
  });

  it("CML_WORKER_ALLOWED_INSTANCE_TYPES and AWS_ALLOWED_REGIONS refuse what the defaults allow (BAD_USER_INPUT)", async () => {
    const create = creator(fleet, api);
    const type = await create({ name: "fx-type", region: "us-west-2", instanceType: "c5.2xlarge" });
    expect(codes(type)).toEqual(["BAD_USER_INPUT"]);
    expect(type.errors?.[0]?.message).toMatch(
      /c5\.2xlarge is not allowed \(allowed: t3\.xlarge, m5\.2xlarge\)/,
    );
    const region = await create({ name: "fx-region", region: "us-east-1" });
    expect(codes(region)).toEqual(["BAD_USER_INPUT"]);
    expect(region.errors?.[0]?.message).toMatch(/us-east-1 is not an allowed region \(allowed: us-west-2\)/);
  });
});
