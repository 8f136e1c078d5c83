import { CloudStartCheckError } from "@cml-fleet/core/services/cloud-start-check";
import { loadSettings } from "@cml-fleet/core/settings/load-settings";
import { silentLogger } from "@cml-fleet/platform/observability/logger";
import { describe, expect, it } from "vitest";
import { startJobProcess } from "../src/job-process";
import { FAST_RUNTIME, useHarness } from "./support/fleet-harness";

describe("the job process checks regions and networks against EC2 at start", () => {
  const fleet = useHarness("cloud-start-check", { jobWorkers: false });

  const startWith = (env: Record<string, string>) =>
    startJobProcess({
      settings: loadSettings({ ...fleet.env, ...env }),
      logger: silentLogger,
      databaseSchema: fleet.testDb.schema,
      runtime: FAST_RUNTIME,
    });

  it("refuses to start, naming the region, when an allowed region is an opt-in region the account has not enabled", async () => {
    const failure = await startWith({
      AWS_ALLOWED_REGIONS: "us-east-1,me-south-1",
      CML_WORKER_AMI_IDS: JSON.stringify({ "me-south-1": "ami-0aaaaaaaaaaaaaaaa" }),
    }).then(
      async (started) => {
        await started.close();
        return null;
      },
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(CloudStartCheckError);
    expect(failure instanceof Error ? failure.message : "").toMatch(
      /account default, region me-south-1: is an opt-in region the account has not enabled/,
    );
  });

  it("refuses to start when a region's subnet is not in its vpc_id", async () => {
    const failure = await startWith({
      CML_WORKER_NETWORK_CONFIG: JSON.stringify({
        "us-east-1": { vpc_id: "vpc-0123456789abcdef0", subnet_id: "subnet-0123456789abcdef0" },
      }),
    }).then(
      async (started) => {
        await started.close();
        return null;
      },
      (error: unknown) => error,
    );
    expect(failure instanceof Error ? failure.message : "").toMatch(
      /region us-east-1: subnet subnet-0123456789abcdef0 \(CML_WORKER_NETWORK_CONFIG.subnet_id\) does not exist/,
    );
  });

  it("starts with the demo regions, all enabled in the simulated account", async () => {
    const started = await startWith({});
    await started.close();
  });
});
