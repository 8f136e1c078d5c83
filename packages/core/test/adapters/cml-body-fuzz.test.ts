import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCmlClient, type HttpCmlClient } from "../../src/adapters/cml/create-cml-client";
import { LICENSE_STATUSES } from "../../src/domain/worker-status";
import { isFleetError } from "../../src/errors";
import type { CmlEndpoint } from "../../src/ports/cml-client.port";
import { silentLogger } from "../support/silent-logger";
import {
  CML_ROUTES,
  type CmlRoute,
  type CmlScript,
  type ScriptedAnswer,
  type ScriptedCmlServer,
  startScriptedCmlServer,
} from "./scripted-cml-server";

/**
 * Every answer a worker's CML (or anyone on its address) can give must become
 * a valid value or a typed fleet error through the real HTTP adapter: never
 * another exception, never a hang, and no control character in what comes out.
 * FUZZ_RUNS sizes the run (`pnpm test:fuzz`), FUZZ_SEED replays one.
 */
const FILE = "packages/core/test/adapters/cml-body-fuzz.test.ts";
const RUNS =
  process.env.FUZZ_RUNS === undefined ? 200 : Math.max(1, Math.round(Number(process.env.FUZZ_RUNS) / 5));
const SEED = process.env.FUZZ_SEED === undefined ? Date.now() % 2_147_483_647 : Number(process.env.FUZZ_SEED);
const REQUEST_TIMEOUT_MS = 300;
/** The longest lab list an answer holds here; each lab is one more request. */
const MAX_LIST = 300;
const LAB_CONCURRENCY = 8;
/**
 * Past the slowest the adapter may legitimately be (every lab's detail request
 * timing out, LAB_CONCURRENCY at a time, plus a few more timeouts): only a
 * bound to call a hang a hang.
 */
const HANG_BOUND_MS = (Math.ceil(MAX_LIST / LAB_CONCURRENCY) + 10) * REQUEST_TIMEOUT_MS;

/** Well-formed answers, as a CML 2.8 controller gives them: the fuzz starts from these and breaks them. */
const TEMPLATES: Readonly<Record<CmlRoute, { status: number; json: unknown }>> = {
  "POST /auth_extended": { status: 200, json: { username: "admin", id: "u-fleet", token: "token-1" } },
  "GET /system_information": { status: 200, json: { version: "2.8.1", ready: true } },
  "GET /system_health": {
    status: 200,
    json: { valid: true, is_licensed: true, computes: { c1: { valid: true } } },
  },
  "GET /system_stats": {
    status: 200,
    json: {
      all: { cpu: { percent: 12.5 }, memory: { total: 16_000, used: 4_000 } },
      computes: { c1: { stats: { dominfo: { running_nodes: 2, total_nodes: 3 } } } },
    },
  },
  "GET /licensing": {
    status: 200,
    json: {
      registration: {
        status: "COMPLETED",
        expires: "2027-01-01T00:00:00",
        register_time: { status: "SUCCEEDED" },
      },
      authorization: { status: "IN_COMPLIANCE", expires: { scheduled: "2027-01-01T00:00:00Z" } },
      features: [{ in_use: 2, max: 20 }],
    },
  },
  "POST /licensing/registration": { status: 204, json: null },
  "DELETE /licensing/deregistration": { status: 204, json: null },
  "GET /labs": { status: 200, json: ["lab-1", "lab-2"] },
  "GET /labs/{id}": { status: 200, json: { id: "lab-1", lab_title: "CCNA 1", state: "STARTED" } },
  "PUT /labs/{id}/stop": { status: 204, json: null },
  "GET /telemetry/events": {
    status: 200,
    json: [
      { category: "start_lab", timestamp: "2026-11-30T10:00:00", data: { user_id: "u-person" } },
      { category: "user_activity", timestamp: "2026-11-30T10:05:00.123", data: { user_id: "u-fleet" } },
    ],
  },
};

const CONTROLS = [
  "\u0000",
  "\u001b]0;owned\u0007",
  "\u001b[2J",
  "\r\n",
  "\u009b31m",
  "\u202e",
  "\ud800",
  "\u0085",
];

const hostileLeaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    true,
    false,
    0,
    -1,
    0.5,
    1e308,
    -1e308,
    2 ** 53 + 1,
    5e-324,
    "",
    {},
    [],
    "NaN",
  ),
  fc
    .array(fc.oneof(fc.constantFrom(...CONTROLS), fc.string({ maxLength: 6 })), { maxLength: 6 })
    .map((parts) => parts.join("")),
  fc.constantFrom(10_000, 200_000).map((length) => "\u001b".repeat(length)),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A template with leaves replaced, keys dropped or added, and lists stretched. */
function mutated(template: unknown): fc.Arbitrary<unknown> {
  if (Array.isArray(template)) {
    const first = template[0];
    return fc.oneof(
      { weight: 4, arbitrary: fc.tuple(...template.map((element) => mutated(element))) },
      {
        weight: 1,
        arbitrary: fc.array(first === undefined ? hostileLeaf : mutated(first), { maxLength: MAX_LIST }),
      },
      { weight: 1, arbitrary: hostileLeaf },
    );
  }
  if (typeof template === "object" && template !== null) {
    const entries = Object.entries(template).map(([key, value]) =>
      fc.oneof(
        { weight: 6, arbitrary: mutated(value).map((inner) => [key, inner] as const) },
        { weight: 1, arbitrary: fc.constant(null) },
      ),
    );
    return fc.oneof(
      {
        weight: 6,
        arbitrary: fc
          .tuple(...entries)
          .map((kept) =>
            Object.fromEntries(kept.filter((entry): entry is readonly [string, unknown] => entry !== null)),
          ),
      },
      { weight: 1, arbitrary: hostileLeaf },
    );
  }
  return fc.oneof({ weight: 3, arbitrary: fc.constant(template) }, { weight: 1, arbitrary: hostileLeaf });
}

/** Bytes that are not the JSON asked for: HTML, cut JSON, a BOM, invalid UTF-8, a nesting bomb, megabytes. */
const rawBody: fc.Arbitrary<Buffer> = fc.oneof(
  fc
    .constantFrom(
      "",
      "not json",
      "<html><body>502 Bad Gateway</body></html>",
      "{",
      '{"a":',
      "null",
      "\ufeff{}",
    )
    .map((text) => Buffer.from(text)),
  fc.uint8Array({ maxLength: 100 }).map((bytes) => Buffer.from(bytes)),
  fc.constantFrom(10_000, 1_000_000).map((depth) => Buffer.from(`${"[".repeat(depth)}${"]".repeat(depth)}`)),
  fc.constant(
    Buffer.from(
      JSON.stringify(
        Array.from({ length: 100_000 }, (_, i) => ({
          category: "start_lab",
          timestamp: `2026-11-30T10:00:${i % 60}`,
          data: { user_id: i },
        })),
      ),
    ),
  ),
);

const STATUSES = [
  200, 200, 200, 201, 202, 204, 301, 400, 401, 403, 404, 409, 418, 429, 500, 502, 503, 504, 599,
];

function answerFor(route: CmlRoute): fc.Arbitrary<ScriptedAnswer> {
  const template = TEMPLATES[route];
  const well: ScriptedAnswer = {
    status: template.status,
    contentType: "application/json",
    body: Buffer.from(template.json === null ? "" : JSON.stringify(template.json)),
    delivery: "whole",
  };
  const hostile = fc.record({
    status: fc.oneof(
      { weight: 3, arbitrary: fc.constant(template.status) },
      { weight: 1, arbitrary: fc.constantFrom(...STATUSES) },
    ),
    contentType: fc.constantFrom<string | null>(
      "application/json",
      "application/json",
      "text/html",
      "text/plain",
      null,
    ),
    body: fc.oneof(
      { weight: 4, arbitrary: mutated(template.json).map((json) => Buffer.from(JSON.stringify(json) ?? "")) },
      { weight: 1, arbitrary: rawBody },
    ),
    delivery: fc.oneof(
      { weight: 30, arbitrary: fc.constant<ScriptedAnswer["delivery"]>("whole") },
      { weight: 1, arbitrary: fc.constant<ScriptedAnswer["delivery"]>("cut") },
      { weight: 1, arbitrary: fc.constant<ScriptedAnswer["delivery"]>("silent") },
    ),
  });
  // Half the routes answer well, so that a call gets past sign-in to the answer being fuzzed.
  return fc.oneof(fc.constant(well), hostile);
}

function isWellFormed(route: CmlRoute, answer: ScriptedAnswer): boolean {
  const template = TEMPLATES[route];
  return (
    answer.status === template.status &&
    answer.delivery === "whole" &&
    answer.contentType === "application/json" &&
    answer.body.toString("utf8") === (template.json === null ? "" : JSON.stringify(template.json))
  );
}

const script: fc.Arbitrary<CmlScript> = fc.record(
  Object.fromEntries(CML_ROUTES.map((route) => [route, answerFor(route)])) as Record<
    CmlRoute,
    fc.Arbitrary<ScriptedAnswer>
  >,
);

const CALLS = [
  "systemInformation",
  "systemHealth",
  "systemStats",
  "licensing",
  "registerLicense",
  "deregisterLicense",
  "labs",
  "stopLab",
  "activity",
] as const;
type Call = (typeof CALLS)[number];

// Text from outside may not carry C0/C1 controls, bidi overrides or lone surrogates (core's outside-text rule).
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const UNCLEAN = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]|\p{Cs}/u;

function problemsOfText(where: string, value: unknown, problems: string[]): void {
  if (typeof value !== "string") {
    problems.push(`${where} is ${typeof value}, not text`);
  } else if (UNCLEAN.test(value)) {
    problems.push(`${where} carries a control character: ${JSON.stringify(value.slice(0, 60))}`);
  } else if ([...value].length > 1_000) {
    problems.push(`${where} is ${value.length} characters long`);
  }
}

function problemsOfNumber(
  where: string,
  value: unknown,
  problems: string[],
  nullable: boolean,
  whole = false,
): void {
  if (value === null && nullable) {
    return;
  }
  if (
    typeof value !== "number" ||
    !Number.isFinite(value) ||
    (whole && (!Number.isInteger(value) || value < 0))
  ) {
    problems.push(`${where} is ${String(value)}`);
  }
}

function problemsOfDate(where: string, value: unknown, problems: string[], nullable: boolean): void {
  if (value === null && nullable) {
    return;
  }
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    problems.push(`${where} is not a real instant: ${String(value)}`);
  }
}

/** What is wrong with a value the adapter answered (empty when it is a valid value of its type). */
function problemsOfValue(call: Call, value: unknown): string[] {
  const problems: string[] = [];
  const record = (value ?? {}) as Record<string, unknown>;
  switch (call) {
    case "systemInformation":
      problemsOfText("version", record.version, problems);
      if (typeof record.ready !== "boolean") {
        problems.push("ready is not a boolean");
      }
      break;
    case "systemHealth":
      for (const key of ["valid", "isLicensed", "computesValid"]) {
        if (typeof record[key] !== "boolean") {
          problems.push(`${key} is not a boolean`);
        }
      }
      break;
    case "systemStats":
      problemsOfNumber("cpuPercent", record.cpuPercent, problems, true);
      problemsOfNumber("memoryPercent", record.memoryPercent, problems, true);
      problemsOfNumber("runningNodes", record.runningNodes, problems, false, true);
      problemsOfNumber("totalNodes", record.totalNodes, problems, false, true);
      break;
    case "licensing":
    case "registerLicense":
      if (!(LICENSE_STATUSES as readonly unknown[]).includes(record.status)) {
        problems.push(`status ${String(record.status)}`);
      }
      problemsOfText("registrationStatus", record.registrationStatus, problems);
      problemsOfText("authorizationStatus", record.authorizationStatus, problems);
      problemsOfNumber("nodeLimit", record.nodeLimit, problems, true);
      problemsOfNumber("nodesInUse", record.nodesInUse, problems, true);
      problemsOfDate("expires", record.expires, problems, true);
      break;
    case "deregisterLicense":
      if (typeof record.localOnly !== "boolean") {
        problems.push("localOnly is not a boolean");
      }
      break;
    case "labs":
      if (!Array.isArray(value)) {
        problems.push("labs is not a list");
        break;
      }
      for (const [index, lab] of (value as Record<string, unknown>[]).entries()) {
        problemsOfText(`labs[${index}].id`, lab.id, problems);
        problemsOfText(`labs[${index}].title`, lab.title, problems);
        problemsOfText(`labs[${index}].state`, lab.state, problems);
      }
      break;
    case "stopLab":
      if (value !== undefined) {
        problems.push("stopLab answered a value");
      }
      break;
    case "activity":
      if (!Array.isArray(value)) {
        problems.push("activity is not a list");
        break;
      }
      for (const [index, event] of (value as Record<string, unknown>[]).entries()) {
        problemsOfText(`activity[${index}].category`, event.category, problems);
        problemsOfDate(`activity[${index}].at`, event.at, problems, false);
        if (event.userId !== null) {
          problemsOfText(`activity[${index}].userId`, event.userId, problems);
        }
      }
      break;
  }
  return problems;
}

function invoke(client: HttpCmlClient, call: Call, endpoint: CmlEndpoint): Promise<unknown> {
  switch (call) {
    case "registerLicense":
      return client.registerLicense(endpoint, "license-token", { pollIntervalMs: 1, timeoutMs: 50 });
    case "stopLab":
      return client.stopLab(endpoint, "lab-1");
    case "activity":
      return client.activity(endpoint, null);
    default:
      return client[call](endpoint);
  }
}

type Outcome = { kind: "value"; value: unknown } | { kind: "error"; error: unknown } | { kind: "hang" };

async function bounded(work: Promise<unknown>): Promise<Outcome> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: "hang" }), HANG_BOUND_MS);
  });
  try {
    return await Promise.race([
      work.then(
        (value): Outcome => ({ kind: "value", value }),
        (error: unknown): Outcome => ({ kind: "error", error }),
      ),
      hang,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

let server: ScriptedCmlServer;
let client: HttpCmlClient;

beforeAll(async () => {
  server = await startScriptedCmlServer();
  // One client for the whole run, as a job process keeps one: a bad answer must not spoil later calls.
  client = createCmlClient({
    username: "admin",
    password: "secret",
    tls: { verify: false },
    requestTimeoutMs: REQUEST_TIMEOUT_MS,
    labConcurrency: LAB_CONCURRENCY,
    logger: silentLogger,
  });
});

afterAll(async () => {
  client.close();
  await server.close();
});

describe("CML answers fuzzed against the HTTP adapter", () => {
  it(
    `become a valid value or a typed error, never an exception or a hang (${RUNS} runs, seed ${SEED})`,
    async () => {
      const cases = fc.sample(fc.tuple(fc.constantFrom(...CALLS), script, fc.boolean()), {
        seed: SEED,
        numRuns: RUNS,
      });
      const findings = new Map<string, { count: number; example: string }>();
      const note = (group: string, example: string) => {
        const known = findings.get(group);
        if (known === undefined || example.length < known.example.length) {
          findings.set(group, { count: (known?.count ?? 0) + 1, example });
        } else {
          known.count += 1;
        }
      };
      const started = performance.now();
      let hangs = 0;
      let untyped = 0;

      for (const [run, [call, answers, secure]] of cases.entries()) {
        server.play(answers);
        // A fresh worker id per run: each run signs in, so the sign-in answer is fuzzed too.
        const endpoint = { workerId: `w-${run}`, baseUrl: secure ? server.httpsUrl : server.httpUrl };
        const outcome = await bounded(invoke(client, call, endpoint));
        const described = () =>
          `run #${run} ${call} over ${secure ? "HTTPS" : "HTTP"}: ${CML_ROUTES.filter(
            (route) => !isWellFormed(route, answers[route]),
          )
            .map((route) => {
              const answer = answers[route];
              return `${route} -> ${answer.status} ${answer.contentType} ${answer.delivery} ${JSON.stringify(answer.body.toString("utf8").slice(0, 160))}`;
            })
            .join("; ")} (every other route answers well)`;
        if (outcome.kind === "hang") {
          hangs += 1;
          note(`${call}: no answer within ${HANG_BOUND_MS} ms`, described());
        } else if (outcome.kind === "error") {
          const error = outcome.error;
          if (!isFleetError(error)) {
            untyped += 1;
            note(
              `${call}: untyped ${error instanceof Error ? error.name : typeof error}`,
              `${described()} => ${String(error)}`,
            );
          } else if (UNCLEAN.test(error.message)) {
            note(
              `${call}: error message carries a control character`,
              `${described()} => ${JSON.stringify(error.message.slice(0, 200))}`,
            );
          }
        } else {
          for (const problem of problemsOfValue(call, outcome.value)) {
            note(
              `${call}: ${problem.replace(/\[\d+\]/g, "[]").replace(/: .*$/, "")}`,
              `${described()} => ${problem}`,
            );
          }
        }
      }

      console.info(
        `fuzz summary ${JSON.stringify({ file: FILE, seed: SEED, calls: cases.length, untypedErrors: untyped, hangs, durationMs: Math.round(performance.now() - started) })}`,
      );
      const report = [...findings]
        .map(([group, { count, example }]) => `- ${group}: ${count}x, e.g. ${example}`)
        .join("\n");
      expect(report === "" ? "" : `${report}\nreplay: FUZZ_SEED=${SEED} pnpm exec vitest run ${FILE}`).toBe(
        "",
      );
    },
    60_000 + RUNS * 100,
  );
});
