import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestFleet } from "../graphql/support/test-fleet";
import { changedStores, type Footprint, type FootprintReader, footprintReader } from "./fleet-footprint";
import { fuzzConfig, replayHint } from "./fuzz-config";
import { FuzzFindings, printSummary, shown } from "./fuzz-findings";
import type { PlausibleValues } from "./hostile-values";
import { operationCase, operationOf, seedFleet, tokenOf } from "./operation-cases";
import { sendOperation } from "./operation-sender";
import { isHealthy } from "./raw-http";
import { codeOf, contractViolations, errorsOf, isRefused, isUncodedRequestError } from "./response-contract";

const FILE = "packages/api/test/fuzz/graphql-operations.test.ts";
const config = fuzzConfig(300);

// Fuzz traffic comes from one client: the per-client rate limit would refuse most of it, which is not what
// is being tested here. importWorkers waits briefly (no job process runs here).
const { fleet, api } = useTestFleet("fuzz-operations", {
  env: { RATE_LIMIT_PER_MINUTE: "0" },
  api: { importWaitMs: 100 },
});

let footprint: FootprintReader;
let plausible: PlausibleValues;

beforeAll(async () => {
  footprint = footprintReader(fleet);
  plausible = await seedFleet(fleet);
});

afterAll(async () => {
  await footprint.close();
});

describe("GraphQL operations generated from the printed schema, with hostile arguments", () => {
  it(
    `answer every caller within the contract and write nothing when refused (${config.runs} runs, seed ${config.seed})`,
    async () => {
      const cases = fc.sample(operationCase(plausible), { seed: config.seed, numRuns: config.runs });
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
        const { document, variables } = operationOf(fuzzCase);
        const token = tokenOf(fleet, fuzzCase.caller);
        const { requestId, answer } = await sendOperation(api, {
          field: fuzzCase.field,
          document,
          variables,
          authorization: token === null ? null : `Bearer ${token}`,
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
    },
    config.timeoutMs,
  );
});
