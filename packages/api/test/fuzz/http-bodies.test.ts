import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REQUEST_LIMITS } from "../../src/http/limits";
import { useTestFleet } from "../graphql/support/test-fleet";
import { changedStores, type Footprint, type FootprintReader, footprintReader } from "./fleet-footprint";
import { fuzzConfig, replayHint } from "./fuzz-config";
import { FuzzFindings, printSummary, shown } from "./fuzz-findings";
import { malformedRequest } from "./malformed-http";
import { isHealthy, sendRaw } from "./raw-http";
import { codeOf, contractViolations, errorsOf, isRefused, isUncodedRequestError } from "./response-contract";

const FILE = "packages/api/test/fuzz/http-bodies.test.ts";
const config = fuzzConfig(150, 0.3);

/** Node's default --max-http-header-size: a longer head is refused with 431 and the socket closed. */
const NODE_MAX_HEADER_BYTES = 16 * 1024;

const { fleet, api } = useTestFleet("fuzz-http", { env: { RATE_LIMIT_PER_MINUTE: "0" } });

let footprint: FootprintReader;
beforeAll(() => {
  footprint = footprintReader(fleet);
});
afterAll(async () => {
  await footprint.close();
});

describe("malformed HTTP requests to /graphql", () => {
  it(
    `are refused cleanly, never with a 5xx, and change nothing (${config.runs} runs, seed ${config.seed})`,
    async () => {
      const authorization = fc.constantFrom<string | null>(
        null,
        `Bearer ${fleet.tokens.VIEWER}`,
        `Bearer ${fleet.tokens.OPERATOR}`,
        `Bearer ${fleet.tokens.ADMIN}`,
        "Bearer cmlf_forged",
        "Bearer ",
        "Basic YWRtaW46YWRtaW4=",
        `Bearer ${"x".repeat(10_000)}`,
      );
      const cases = fc.sample(malformedRequest(authorization), { seed: config.seed, numRuns: config.runs });
      const findings = new FuzzFindings();
      let before: Footprint = await footprint.read();
      const started = performance.now();
      let internalErrors = 0;
      let status5xx = 0;
      let crashes = 0;
      let uncodedRequestErrors = 0;
      let refused = 0;
      let refusedThatWrote = 0;

      for (const [run, { request, framing }] of cases.entries()) {
        const answer = await sendRaw(api.origin, request);
        const after = await footprint.read();
        const bodyText = request.body === null ? "no body" : shown(request.body.toString("utf8"), 200);
        const example = `${request.method} ${shown(request.path, 120)} ${shown(request.headers, 200)} ${framing}${
          request.truncateAt === undefined ? "" : ` at ${request.truncateAt}`
        } body ${bodyText} -> HTTP ${answer.status} ${shown(answer.body ?? answer.dropped)}`;
        // A client that went away gets no answer; a body over the limit, or a head over Node's 16 KiB
        // header limit (431), may see its connection closed while still writing (the server refuses
        // before reading on): neither is the server failing.
        const headBytes =
          request.path.length +
          Object.entries(request.headers).reduce(
            (sum, [name, value]) => sum + name.length + value.length + 4,
            0,
          );
        const mayDrop =
          framing === "truncated" ||
          headBytes > NODE_MAX_HEADER_BYTES ||
          (request.body !== null && request.body.length > REQUEST_LIMITS.maxBodyBytes);
        const violations = contractViolations(answer).filter(
          (violation) => !(mayDrop && violation.startsWith("connection dropped")),
        );
        for (const violation of violations) {
          findings.add({ group: `${request.method} ${framing}: ${violation}`, run, example });
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
        if (answer.dropped !== undefined && !mayDrop) {
          crashes += 1;
        }
        if (isRefused(answer) || (mayDrop && answer.status === 0)) {
          refused += 1;
          const changed = changedStores(before, after);
          if (changed.length > 0) {
            refusedThatWrote += 1;
            findings.add({
              group: `${request.method}: refused but wrote ${changed.join(", ")}`,
              run,
              example,
            });
          }
        }
        before = after;
        if (run % 50 === 49 && !(await isHealthy(api.origin))) {
          crashes += 1;
          findings.add({ group: "health: /healthz stopped answering 200", run, example });
        }
      }

      expect(await isHealthy(api.origin)).toBe(true);
      printSummary({
        file: FILE,
        seed: config.seed,
        requests: cases.length,
        internalErrors,
        status5xx,
        crashes,
        refused,
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
