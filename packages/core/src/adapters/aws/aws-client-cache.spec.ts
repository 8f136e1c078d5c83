import { afterEach, describe, expect, it } from "vitest";
import { CloudError } from "../../errors";
import { systemClock } from "../../ports/clock.port";
import { type AwsClientCache, createAwsClientCache } from "./aws-client-cache";

describe("createAwsClientCache", () => {
  let cache: AwsClientCache | undefined;
  afterEach(() => cache?.destroy());

  const create = () =>
    createAwsClientCache({
      accounts: { default: {}, "222233334444": { roleArn: "arn:aws:iam::222233334444:role/fleet" } },
      staticCredentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
      endpoints: { ec2: "http://127.0.0.1:9", cloudwatch: "http://127.0.0.1:9" },
      maxAttempts: 3,
      requestTimeoutMs: 1_000,
      connectionTimeoutMs: 500,
      credentialRefreshMarginMs: 300_000,
      clock: systemClock,
    });

  it("creates one client per account, region and service and reuses it", async () => {
    cache = create();
    const target = { accountId: "default", region: "us-east-1" };
    const ec2 = cache.ec2(target);
    expect(cache.ec2({ ...target })).toBe(ec2);
    expect(cache.cloudwatch(target)).toBe(cache.cloudwatch(target));
    expect(cache.ec2({ accountId: "default", region: "eu-west-1" })).not.toBe(ec2);
    expect(cache.ec2({ accountId: "222233334444", region: "us-east-1" })).not.toBe(ec2);
    expect(cache.createdCount).toBe(4);
    expect(await ec2.config.maxAttempts()).toBe(3);
    expect(await ec2.config.retryStrategy()).toMatchObject({ mode: "adaptive" });
  });

  it("refuses an account that is not configured", () => {
    cache = create();
    expect(() => cache?.ec2({ accountId: "999999999999", region: "us-east-1" })).toThrow(CloudError);
  });
});
