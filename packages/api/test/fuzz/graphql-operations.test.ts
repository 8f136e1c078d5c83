import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestFleet } from "../graphql/support/test-fleet";
import { aWorker } from "../support/worker-factory";
import { changedStores, type Footprint, type FootprintReader, footprintReader } from "./fleet-footprint";
import { fuzzConfig, replayHint } from "./fuzz-config";
import { FuzzFindings, printSummary, shown } from "./fuzz-findings";
import { type PlausibleValues, valueFor } from "./hostile-values";
import { sendOperation } from "./operation-sender";
import { isHealthy } from "./raw-http";
import { codeOf, contractViolations, errorsOf, isRefused, isUncodedRequestError } from "./response-contract";
import { documentFor, ROOT_FIELDS, type RootField } from "./schema-operations";

const FILE = "packages/api/test/fuzz/graphql-operations.test.ts";
const config = fuzzConfig(250);

// Fuzz traffic comes from one client: the per-client rate limit would refuse most of it, which is not what
// is being tested here. importWorkers waits briefly (no job process runs here).
const { fleet, api } = useTestFleet("fuzz-operations", {
  env: { RATE_LIMIT_PER_MINUTE: "0" },
  api: { importWaitMs: 100 },
});

const CALLERS = ["anonymous", "forged", "VIEWER", "OPERATOR", "ADMIN"] as const;
type Caller = (typeof CALLERS)[number];

function authorizationOf(caller: Caller): string | null {
  if (caller === "anonymous") {
    return null;
  }
  return caller === "forged"
    ? "Bearer cmlf_forged-token-that-was-never-issued"
    : `Bearer ${fleet.tokens[caller]}`;
}

/** How an argument appears: as a variable with a value, declared but never given, or left out of the call. */
type Presence = "given" | "variable missing" | "left out";

interface FuzzCase {
  readonly field: RootField;
  readonly caller: Caller;
  readonly args: readonly { readonly name: string; readonly presence: Presence; readonly value: unknown }[];
}

function caseArbitrary(plausible: PlausibleValues): fc.Arbitrary<FuzzCase> {
  const presence = fc.oneof(
    { weight: 10, arbitrary: fc.constant<Presence>("given") },
    { weight: 1, arbitrary: fc.constant<Presence>("variable missing") },
    { weight: 1, arbitrary: fc.constant<Presence>("left out") },
  );
  return fc.constantFrom(...ROOT_FIELDS).chain((field) =>
    fc.record({
      field: fc.constant(field),
      caller: fc.constantFrom(...CALLERS),
      args: fc.tuple(
        ...field.args.map((arg) =>
          fc.record({ name: fc.constant(arg.name), presence, value: valueFor(arg.type, plausible) }),
        ),
      ),
    }),
  );
}

let footprint: FootprintReader;
const plausible: { workerIds: string[] } = { workerIds: [] };

beforeAll(async () => {
  footprint = footprintReader(fleet);
  // Workers in every status that matters, so operations meet real state (and its conflicts).
  const seeds = [
    { status: "RUNNING", desiredStatus: "RUNNING" },
    { status: "STOPPED", desiredStatus: "STOPPED" },
    { status: "PENDING", desiredStatus: "RUNNING" },
    { status: "TERMINATED", desiredStatus: "TERMINATED" },
    { status: "FAILED", desiredStatus: "RUNNING" },
    { status: "STOPPING", desiredStatus: "STOPPED" },
  ] as const;
  for (const [n, seed] of seeds.entries()) {
    const worker = aWorker({ ...seed, name: `fuzz-seed-${n}` }, n);
    await fleet.workers.insert(worker, []);
    plausible.workerIds.push(worker.id);
  }
});

afterAll(async () => {
  await footprint.close();
});

describe("GraphQL operations generated from the printed schema, with hostile arguments", () => {
  it(`answer every caller within the contract and write nothing when refused (${config.runs} runs, seed ${config.seed})`, async () => {
    const cases = fc.sample(
      caseArbitrary({
        workerIds: plausible.workerIds,
        regions: fleet.settings.aws.allowedRegions,
        instanceTypes: fleet.settings.worker.allowedInstanceTypes,
      }),
      { seed: config.seed, numRuns: config.runs },
    );
    const findings = new FuzzFindings();
    const refusedRequestIds: string[] = [];
    let before: Footprint = await footprint.read();
    const started = performance.now();
    let internalErrors = 0;
    let status5xx = 0;
    let crashes = 0;
    let uncodedRequestErrors = 0;
    let refusedThatWrote = 0;

    for (const [run, fuzzCase] of cases.entries()) {
      const passed = fuzzCase.args.filter((arg) => arg.presence !== "left out").map((arg) => arg.name);
      const variables = Object.fromEntries(
        fuzzCase.args.filter((arg) => arg.presence === "given").map((arg) => [arg.name, arg.value]),
      );
      const document = documentFor(fuzzCase.field, passed);
      const { requestId, answer } = await sendOperation(api, {
        field: fuzzCase.field,
        document,
        variables,
        authorization: authorizationOf(fuzzCase.caller),
      });
      const after = await footprint.read();
      const example = () =>
        `${fuzzCase.caller}: ${document} variables ${shown(variables)} -> HTTP ${answer.status} ${shown(answer.body ?? answer.dropped)}`;
      const where = `${fuzzCase.field.operation} ${fuzzCase.field.name}`;

      for (const violation of contractViolations(answer)) {
        findings.add({ group: `${where}: ${violation}`, run, example: example() });
      }
      if (errorsOf(answer.body).some((error) => codeOf(error) === "INTERNAL_SERVER_ERROR")) {
        internalErrors += 1;
      }
      if (answer.status >= 500) {
        status5xx += 1;
      }
      if (isUncodedRequestError(answer)) {
        uncodedRequestErrors += 1;
      }
      if (answer.dropped !== undefined) {
        crashes += 1;
      }
      if (isRefused(answer)) {
        refusedRequestIds.push(requestId);
        const changed = changedStores(before, after);
        if (changed.length > 0) {
          refusedThatWrote += 1;
          findings.add({
            group: `${where}: refused but wrote ${changed.join(", ")}`,
            run,
            example: example(),
          });
        }
      }
      before = after;
      if (run % 100 === 99 && !(await isHealthy(api.origin))) {
        crashes += 1;
        findings.add({ group: "health: /healthz stopped answering 200", run, example: example() });
      }
    }

    expect(await isHealthy(api.origin)).toBe(true);
    // A refusal may be audited, once: never a row per field or per retry.
    const auditRows = await footprint.auditRowsByRequest(refusedRequestIds);
    for (const [requestId, rows] of auditRows) {
      if (rows > 1) {
        findings.add({
          group: "refusal audited more than once",
          run: -1,
          example: `${requestId}: ${rows} audit rows`,
        });
      }
    }
    printSummary({
      file: FILE,
      seed: config.seed,
      requests: cases.length,
      internalErrors,
      status5xx,
      crashes,
      refused: refusedRequestIds.length,
      refusedThatWrote,
      uncodedRequestErrors,
      durationMs: Math.round(performance.now() - started),
    });
    if (findings.size > 0) {
      console.info(`fuzz findings ${JSON.stringify(findings.counts())}`);
    }
    expect(findings.report(replayHint(config, FILE))).toBe("");
  });
});
