import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAwsClientCache } from "../../src/adapters/aws/aws-client-cache";
import { systemClock } from "../../src/ports/clock.port";

/**
 * A minimal STS (awsQuery AssumeRole) that records what it was asked, so the
 * test can see how often, for which role and with which ExternalId the
 * adapter assumes roles. (The simulator's STS does not record what it was
 * asked; aws-accounts.test.ts goes through it end to end.)
 */
let sts: http.Server;
let stsUrl: string;
const calls: URLSearchParams[] = [];

beforeAll(async () => {
  sts = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      calls.push(form);
      const n = calls.length;
      const expiration = new Date(Date.now() + 60 * 60_000).toISOString();
      res.writeHead(200, { "content-type": "text/xml", "x-amzn-requestid": `sts-${n}` });
      res.end(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIAASSUMED${n}</AccessKeyId>
      <SecretAccessKey>secret-${n}</SecretAccessKey>
      <SessionToken>session-${n}</SessionToken>
      <Expiration>${expiration}</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <Arn>${form.get("RoleArn") ?? ""}/${form.get("RoleSessionName") ?? ""}</Arn>
      <AssumedRoleId>AROA${n}:${form.get("RoleSessionName") ?? ""}</AssumedRoleId>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>sts-${n}</RequestId></ResponseMetadata>
</AssumeRoleResponse>`);
    });
  });
  await new Promise<void>((resolve) => sts.listen(0, "127.0.0.1", resolve));
  stsUrl = `http://127.0.0.1:${(sts.address() as AddressInfo).port}`;
});

afterAll(async () => {
  sts.closeAllConnections();
  await new Promise<void>((resolve) => sts.close(() => resolve()));
});

describe("cross-account credentials", () => {
  it("assumes each account's role once, with its ExternalId, shared by all regions and services", async () => {
    const cache = createAwsClientCache({
      accounts: {
        "111111111111": {
          roleArn: "arn:aws:iam::111111111111:role/cml-fleet",
          externalId: "ext-one",
          sessionName: "fleet-one",
        },
        "222222222222": { roleArn: "arn:aws:iam::222222222222:role/cml-fleet", externalId: "ext-two" },
        default: {},
      },
      staticCredentials: { accessKeyId: "AKIDBASE", secretAccessKey: "base-secret" },
      endpoints: { sts: stsUrl },
      maxAttempts: 2,
      requestTimeoutMs: 5_000,
      connectionTimeoutMs: 1_000,
      credentialRefreshMarginMs: 5 * 60_000,
      clock: systemClock,
    });
    try {
      const one = { accountId: "111111111111", region: "us-east-1" };
      const identities = await Promise.all([
        cache.ec2(one).config.credentials(),
        cache.cloudwatch(one).config.credentials(),
        cache.ec2({ ...one, region: "eu-west-1" }).config.credentials(),
        cache.ec2(one).config.credentials(),
      ]);
      expect(calls).toHaveLength(1);
      expect(new Set(identities.map((identity) => identity.accessKeyId))).toEqual(new Set(["ASIAASSUMED1"]));
      expect(identities[0]?.sessionToken).toBe("session-1");
      expect(calls[0]?.get("Action")).toBe("AssumeRole");
      expect(calls[0]?.get("RoleArn")).toBe("arn:aws:iam::111111111111:role/cml-fleet");
      expect(calls[0]?.get("ExternalId")).toBe("ext-one");
      expect(calls[0]?.get("RoleSessionName")).toBe("fleet-one");

      const two = await cache.ec2({ accountId: "222222222222", region: "us-east-1" }).config.credentials();
      expect(calls).toHaveLength(2);
      expect(two.accessKeyId).toBe("ASIAASSUMED2");
      expect(calls[1]?.get("ExternalId")).toBe("ext-two");
      expect(calls[1]?.get("RoleSessionName")).toBe("cml-fleet-222222222222");

      const base = await cache.ec2({ accountId: "default", region: "us-east-1" }).config.credentials();
      expect(base.accessKeyId).toBe("AKIDBASE");
      expect(calls).toHaveLength(2);
    } finally {
      cache.destroy();
    }
  });
});
