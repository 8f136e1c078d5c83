import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestFleet } from "../graphql/support/test-fleet";
import {
  changedStores,
  type Footprint,
  type FootprintReader,
  footprintReader,
  settledFootprint,
} from "./fleet-footprint";
import { fuzzConfig, replayHint } from "./fuzz-config";
import { FuzzFindings, printSummary, shown } from "./fuzz-findings";
import type { PlausibleValues } from "./hostile-values";
import { FORGED_TOKEN, operationCase, seedFleet } from "./operation-cases";
import { isHealthy } from "./raw-http";
import { CONTRACT_CODES, codeOf } from "./response-contract";
import { type ConversationOutcome, deliveredData, errorsIn, runConversation } from "./ws-conversation-runner";
import { type Conversation, conversation } from "./ws-conversations";

const FILE = "packages/api/test/fuzz/graphql-ws-messages.test.ts";
const config = fuzzConfig(100, 0.2);

const { fleet, api } = useTestFleet("fuzz-ws", {
  env: { RATE_LIMIT_PER_MINUTE: "0" },
  api: { importWaitMs: 100 },
});

/**
 * Close codes a server may end a conversation with: normal, the ws library's
 * own refusals of broken frames (protocol error, unsupported data, too big),
 * and graphql-ws's refusals (bad request, unauthorized, forbidden, bad
 * subprotocol, init timeout, duplicate id, repeated init). 1011 and 4500
 * mean the server failed; 1006 means it dropped the socket without a word.
 */
const CLEAN_CLOSE_CODES: ReadonlySet<number> = new Set([
  1000, 1001, 1002, 1003, 1007, 1008, 1009, 4400, 4401, 4403, 4406, 4408, 4409, 4429,
]);

function violationsOf(outcome: ConversationOutcome): string[] {
  const violations: string[] = [];
  if (outcome.upgradeRefused !== null && /HTTP 5\d\d/.test(outcome.upgradeRefused)) {
    violations.push(`upgrade answered ${outcome.upgradeRefused}`);
  }
  if (outcome.closed !== null && !CLEAN_CLOSE_CODES.has(outcome.closed.code)) {
    violations.push(`closed with ${outcome.closed.code}`);
  }
  for (const error of errorsIn(outcome)) {
    const code = codeOf(error);
    if (code === null) {
      violations.push("an error without extensions.code");
    } else if (!CONTRACT_CODES.has(code)) {
      violations.push(code);
    }
  }
  if (outcome.unanswered.length > 0) {
    violations.push("a subscribe neither answered nor refused");
  }
  return [...new Set(violations)];
}

let footprint: FootprintReader;
let plausible: PlausibleValues;

beforeAll(async () => {
  footprint = footprintReader(fleet);
  plausible = await seedFleet(fleet);
});

afterAll(async () => {
  await footprint.close();
});

describe("graphql-ws conversations with malformed and hostile messages", () => {
  it(
    `end cleanly, answer within the contract and write nothing when refused (${config.runs} runs, seed ${config.seed})`,
    async () => {
      const authorization = fc.constantFrom<unknown>(
        `Bearer ${fleet.tokens.VIEWER}`,
        `Bearer ${fleet.tokens.OPERATOR}`,
        `Bearer ${fleet.tokens.ADMIN}`,
        `Bearer ${FORGED_TOKEN}`,
        fleet.tokens.ADMIN,
        "",
        null,
        42,
        ["Bearer", fleet.tokens.ADMIN],
        { token: fleet.tokens.ADMIN },
      );
      const cases: Conversation[] = fc.sample(conversation(operationCase(plausible), authorization), {
        seed: config.seed,
        numRuns: config.runs,
      });
      const findings = new FuzzFindings();
      let before: Footprint = await footprint.read();
      const started = performance.now();
      let internalErrors = 0;
      let crashes = 0;
      let refused = 0;
      let refusedThatWrote = 0;
      let uncodedRequestErrors = 0;

      for (const [run, talk] of cases.entries()) {
        const outcome = await runConversation(api, talk);
        const after = await footprint.read();
        const example = () =>
          `protocol ${talk.protocol} frames ${shown(
            talk.frames.map((frame) =>
              frame.kind === "text" ? frame.text : `(binary ${frame.bytes.length} bytes)`,
            ),
            900,
          )} -> ${shown(outcome.received, 400)} closed ${shown(outcome.closed)}${
            outcome.upgradeRefused === null ? "" : ` socket failed: ${outcome.upgradeRefused}`
          }${outcome.unanswered.length > 0 ? ` unanswered ${outcome.unanswered.join(",")}` : ""}`;
        for (const violation of violationsOf(outcome)) {
          findings.add({ group: violation, run, example: example() });
        }
        uncodedRequestErrors += errorsIn(outcome).filter((error) => codeOf(error) === null).length;
        if (errorsIn(outcome).some((error) => codeOf(error) === "INTERNAL_SERVER_ERROR")) {
          internalErrors += 1;
        }
        if (outcome.closed?.code === 1006 || outcome.closed?.code === 1011 || outcome.closed?.code === 4500) {
          crashes += 1;
        }
        // Refused: every operation was answered, none with data. An operation whose answer never came
        // (the conversation's own broken frame closed the socket) may have run, so it proves nothing.
        if (!deliveredData(outcome) && outcome.unresolved.length === 0) {
          refused += 1;
          const changed = changedStores(before, after);
          if (changed.length > 0) {
            refusedThatWrote += 1;
            findings.add({ group: `refused but wrote ${changed.join(", ")}`, run, example: example() });
          }
        }
        // An unanswered operation may still be running: let it finish before the next window opens.
        before = outcome.unresolved.length > 0 ? await settledFootprint(footprint) : after;
        if (run % 25 === 24 && !(await isHealthy(api.origin))) {
          crashes += 1;
          findings.add({ group: "health: /healthz stopped answering 200", run, example: example() });
        }
      }

      expect(await isHealthy(api.origin)).toBe(true);
      printSummary({
        file: FILE,
        seed: config.seed,
        requests: cases.length,
        internalErrors,
        status5xx: 0,
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
