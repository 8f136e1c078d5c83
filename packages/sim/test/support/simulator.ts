import type { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import type { EC2Client } from "@aws-sdk/client-ec2";
import { afterAll, beforeAll } from "vitest";
import { type RunningSimulator, type SimulatorOptions, startSimulator } from "../../src/simulator";
import { cloudWatchClient, ec2Client } from "./aws-clients";

/** One simulator for a describe block, with SDK clients pointed at it. */
export interface SimSuite {
  readonly sim: RunningSimulator;
  /** Made on first use, so a suite that never calls EC2 opens no client. */
  readonly ec2: EC2Client;
  readonly cloudWatch: CloudWatchClient;
}

/**
 * Starts a simulator before the enclosing describe's tests and closes it (and
 * any client) after them. Read the fields in tests and hooks only: before
 * beforeAll has run there is no simulator, and reading one throws.
 */
export function useSimulator(options: SimulatorOptions, region = "us-east-1"): SimSuite {
  let sim: RunningSimulator | undefined;
  let ec2: EC2Client | undefined;
  let cloudWatch: CloudWatchClient | undefined;
  const started = (): RunningSimulator => {
    if (sim === undefined) {
      throw new Error("the simulator starts in beforeAll; read it inside a test or hook");
    }
    return sim;
  };
  beforeAll(async () => {
    sim = await startSimulator(options);
  });
  afterAll(async () => {
    ec2?.destroy();
    cloudWatch?.destroy();
    await sim?.close();
  });
  return {
    get sim() {
      return started();
    },
    get ec2() {
      ec2 ??= ec2Client(started().url, region);
      return ec2;
    },
    get cloudWatch() {
      cloudWatch ??= cloudWatchClient(started().url, region);
      return cloudWatch;
    },
  };
}

/** Generous for a loaded machine: the simulator's delays are short, but CI runners can stall. */
export const PATIENCE = { timeout: 20_000, interval: 50 } as const;
