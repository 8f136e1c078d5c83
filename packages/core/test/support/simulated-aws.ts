import { type RunningSimulator, startSimulator } from "@cml-fleet/sim/simulator";
import { afterAll, beforeAll } from "vitest";
import type { AwsCloudProviderOptions } from "../../src/adapters/aws/aws-cloud-options";
import {
  type AwsCloudProvider,
  createAwsCloudProvider,
} from "../../src/adapters/aws/create-aws-cloud-provider";
import { silentLogger } from "./silent-logger";
import { SIM_CREDENTIALS, simControl } from "./sim-support";

type SimulatorOptions = NonNullable<Parameters<typeof startSimulator>[0]>;

/**
 * The AWS cloud provider on the simulator's EC2 and CloudWatch, through the
 * real SDK, as the adapter tests build it: the default account with the
 * simulator's credentials, one attempt a call, a 10 s request timeout, a
 * silent logger; `overrides` replace any of these.
 */
export function simAwsProvider(
  sim: RunningSimulator,
  overrides: Partial<AwsCloudProviderOptions> = {},
): AwsCloudProvider {
  return createAwsCloudProvider({
    accounts: { default: {} },
    staticCredentials: SIM_CREDENTIALS,
    endpoints: { ec2: sim.url, cloudwatch: sim.url },
    maxAttempts: 1,
    requestTimeoutMs: 10_000,
    logger: silentLogger,
    ...overrides,
  });
}

export interface SimulatedAws {
  readonly sim: RunningSimulator;
  readonly control: ReturnType<typeof simControl>;
  readonly aws: AwsCloudProvider;
}

/**
 * A simulator and the AWS cloud provider on it (`simAwsProvider`) for the
 * tests of the file or `describe` that calls this: started before them,
 * closed after. Read the fields inside a test or hook, once they are started.
 */
export function useSimulatedAws(
  simulator: SimulatorOptions = {},
  provider: Partial<AwsCloudProviderOptions> = {},
): SimulatedAws {
  let started: SimulatedAws | null = null;
  beforeAll(async () => {
    const sim = await startSimulator(simulator);
    started = { sim, control: simControl(sim), aws: simAwsProvider(sim, provider) };
  });
  afterAll(async () => {
    started?.aws.close();
    await started?.sim.close();
  });
  const running = (): SimulatedAws => {
    if (started === null) {
      throw new Error("the simulated AWS is read before its beforeAll started it");
    }
    return started;
  };
  return {
    get sim() {
      return running().sim;
    },
    get control() {
      return running().control;
    },
    get aws() {
      return running().aws;
    },
  };
}
