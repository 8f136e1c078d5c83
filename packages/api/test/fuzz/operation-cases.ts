import fc from "fast-check";
import type { TestFleet } from "../graphql/support/test-fleet";
import { aWorker } from "../support/worker-factory";
import { type PlausibleValues, validValueFor, valueFor } from "./hostile-values";
import { documentFor, ROOT_FIELDS, type RootField } from "./schema-operations";

/** Who sends: nobody, a token that was never issued, or each role's token. */
export const CALLERS = ["anonymous", "forged", "VIEWER", "OPERATOR", "ADMIN"] as const;
export type Caller = (typeof CALLERS)[number];

export const FORGED_TOKEN = "cmlf_forged-token-that-was-never-issued";

export function tokenOf(fleet: TestFleet, caller: Caller): string | null {
  if (caller === "anonymous") {
    return null;
  }
  return caller === "forged" ? FORGED_TOKEN : fleet.tokens[caller];
}

/** How an argument appears: as a variable with a value, declared but never given, or left out of the call. */
type Presence = "given" | "variable missing" | "left out";

/** One generated call of one root field. */
export interface OperationCase {
  readonly field: RootField;
  readonly caller: Caller;
  readonly args: readonly { readonly name: string; readonly presence: Presence; readonly value: unknown }[];
}

export function operationCase(plausible: PlausibleValues): fc.Arbitrary<OperationCase> {
  const presence = fc.oneof(
    { weight: 10, arbitrary: fc.constant<Presence>("given") },
    { weight: 1, arbitrary: fc.constant<Presence>("variable missing") },
    { weight: 1, arbitrary: fc.constant<Presence>("left out") },
  );
  return fc.constantFrom(...ROOT_FIELDS).chain((field) =>
    fc.record({
      field: fc.constant(field),
      // Callers that may act are drawn more often: their requests get furthest into the services.
      caller: fc.oneof(
        { weight: 1, arbitrary: fc.constantFrom<Caller>("anonymous", "forged", "VIEWER") },
        { weight: 4, arbitrary: fc.constantFrom<Caller>("OPERATOR", "ADMIN") },
      ),
      args: fc.tuple(
        ...field.args.map((arg) =>
          fc.record({
            name: fc.constant(arg.name),
            presence,
            // Each argument careful or hostile on its own, so one hostile field among good ones is common.
            value: fc.oneof(
              { weight: 1, arbitrary: validValueFor(arg.type, plausible) },
              { weight: 1, arbitrary: valueFor(arg.type, plausible) },
            ),
          }),
        ),
      ),
    }),
  );
}

/** The document and variables of a case, as they go on the wire. */
export function operationOf(fuzzCase: OperationCase): {
  document: string;
  variables: Record<string, unknown>;
} {
  const passed = fuzzCase.args.filter((arg) => arg.presence !== "left out").map((arg) => arg.name);
  const variables = Object.fromEntries(
    fuzzCase.args.filter((arg) => arg.presence === "given").map((arg) => [arg.name, arg.value]),
  );
  return { document: documentFor(fuzzCase.field, passed), variables };
}

/**
 * Workers in the statuses that matter, so generated operations meet real
 * state (and its conflicts); answers the plausible values to draw from.
 */
export async function seedFleet(fleet: TestFleet): Promise<PlausibleValues> {
  const seeds = [
    { status: "RUNNING", desiredStatus: "RUNNING" },
    { status: "STOPPED", desiredStatus: "STOPPED" },
    { status: "PENDING", desiredStatus: "RUNNING" },
    { status: "TERMINATED", desiredStatus: "TERMINATED" },
    { status: "FAILED", desiredStatus: "RUNNING" },
    { status: "STOPPING", desiredStatus: "STOPPED" },
  ] as const;
  const workerIds: string[] = [];
  for (const [n, seed] of seeds.entries()) {
    const worker = aWorker({ ...seed, name: `fuzz-seed-${n}` }, n);
    await fleet.workers.insert(worker, []);
    workerIds.push(worker.id);
  }
  return {
    workerIds,
    regions: fleet.settings.aws.allowedRegions,
    instanceTypes: fleet.settings.worker.allowedInstanceTypes,
  };
}
