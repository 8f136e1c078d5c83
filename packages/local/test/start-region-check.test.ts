import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePorts } from "@cml-fleet/platform/testing/free-port";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_REDIS_URL } from "../../platform/test/support/test-redis";
import { type AllInOneProcess, spawnAllInOne } from "./support/all-in-one-process";

describe("pnpm start with a region the account has not enabled", () => {
  const children: AllInOneProcess[] = [];
  let root: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "cml-fleet-regions-"));
  });

  afterAll(async () => {
    await Promise.allSettled(children.map((child) => child.kill()));
    await rm(root, { recursive: true, force: true });
  });

  it("exits non-zero at start with a message naming the region and the problem, before any launch", {
    timeout: 180_000,
  }, async () => {
    const [port, simPort, simCmlPort] = await freePorts(3);
    const child = spawnAllInOne({
      INIT_CWD: root,
      CML_FLEET_DATA_DIR: join(root, ".data"),
      PORT: String(port),
      SIM_PORT: String(simPort),
      SIM_CML_PORT: String(simCmlPort),
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: `cmlf-regions-${randomUUID().slice(0, 8)}`,
      AWS_ALLOWED_REGIONS: "us-east-1,af-south-1",
      CML_WORKER_AMI_IDS: JSON.stringify({ "af-south-1": "ami-0aaaaaaaaaaaaaaaa" }),
    });
    children.push(child);
    expect(await child.exited).not.toBe(0);
    expect(child.output()).toContain(
      "account default, region af-south-1: is an opt-in region the account has not enabled",
    );
    expect(child.output()).not.toMatch(/cml-fleet is running/);
  });
});
