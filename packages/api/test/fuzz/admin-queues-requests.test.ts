import http from "node:http";
import { queueName } from "@cml-fleet/platform/queue/queue-definitions";
import { Queue } from "bullmq";
import fc from "fast-check";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_REDIS_URL } from "../../../platform/test/support/test-redis";
import { useTestFleet } from "../graphql/support/test-fleet";
import { fuzzConfig, replayHint } from "./fuzz-config";
import { FuzzFindings, printSummary, shown } from "./fuzz-findings";
import { hostileString } from "./hostile-values";
import { isHealthy } from "./raw-http";
import { CONTRACT_CODES, codeOf, errorsOf } from "./response-contract";

const FILE = "packages/api/test/fuzz/admin-queues-requests.test.ts";
const config = fuzzConfig(200, 0.3);

const { fleet, api } = useTestFleet("fuzz-queues", { env: { RATE_LIMIT_PER_MINUTE: "0" } });

/** Markup in a job's data: the pages must show it as text. */
const HOSTILE_NOTE = `<script>alert(1)</script><img src=x onerror=alert(2)>`;
const JOB_ID = "price-refresh.0f6c1f0e-5b7a-4b8e-9d51-8c2f0b7e9a11";

let connection: Redis | undefined;
let queue: Queue | undefined;
beforeAll(async () => {
  // A waiting job (no process takes price-refresh jobs here) whose data is hostile.
  connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue(queueName("price-refresh"), { connection, prefix: fleet.settings.redis.keyPrefix });
  await queue.add("price-refresh", { note: HOSTILE_NOTE }, { jobId: JOB_ID });
});
afterAll(async () => {
  await queue?.close();
  await connection?.quit();
});

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  readonly dropped?: string;
}

/** One request exactly as written (no URL normalisation), over a fresh connection. */
function send(method: string, path: string, headers: Record<string, string>, body: string | null) {
  return new Promise<Answer>((resolve) => {
    const origin = new URL(api.origin);
    // host, port and path apart: a URL string would be normalised ("..", "%2e%2e") before it is sent.
    const request = http.request({
      host: origin.hostname,
      port: origin.port,
      path,
      method,
      headers,
      agent: false,
      signal: AbortSignal.timeout(30_000),
    });
    request.on("response", (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          contentType: String(response.headers["content-type"] ?? ""),
          text: Buffer.concat(chunks).toString("utf8"),
        }),
      );
    });
    request.on("error", (error) => resolve({ status: 0, contentType: "", text: "", dropped: error.message }));
    request.end(body ?? undefined);
  });
}

/** Percent-encodes any text, lone surrogates included (encodeURIComponent throws on those). */
function encoded(text: string): string {
  return [...text]
    .map((character) => {
      try {
        return encodeURIComponent(character);
      } catch {
        return "%ED%A0%80";
      }
    })
    .join("");
}

const segment = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      "api",
      "queues",
      "jobs",
      "queue",
      "assets",
      "view.js",
      "view.css",
      "stop",
      "price-refresh",
      "retry",
      "remove",
      "pause",
      "resume",
      "",
      "..",
      "%2e%2e",
      "%00",
      "%E0%A4%A",
      "%",
      "%3Cscript%3E",
      JOB_ID,
      "repeat:idle-check:1",
      "meta",
    ),
  },
  { weight: 1, arbitrary: hostileString(false).map(encoded) },
);

const query = fc.oneof(
  { weight: 2, arbitrary: fc.constant("") },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.oneof(fc.constantFrom("waiting", "failed", "active", "paused", ""), hostileString(false)),
        fc.oneof(fc.constantFrom("0", "1", "-1", "10000", "10001", "1e3", "0x1", ""), hostileString(false)),
      )
      .map(([state, page]) => `?state=${encoded(state)}&page=${encoded(page)}`),
  },
);

describe("hostile requests to /admin/queues", () => {
  it(
    `are answered without a 5xx, with a coded error, only to an ADMIN, and never with markup from the input (${config.runs} runs, seed ${config.seed})`,
    async () => {
      const credentials = [
        null,
        `Bearer ${fleet.tokens.VIEWER}`,
        `Bearer ${fleet.tokens.ADMIN}`,
        `Basic ${Buffer.from(`x:${fleet.tokens.ADMIN}`).toString("base64")}`,
        `Basic ${Buffer.from(`x:${fleet.tokens.OPERATOR}`).toString("base64")}`,
        `Basic ${Buffer.from(fleet.tokens.ADMIN).toString("base64")}`,
        "Basic !!!",
        "Basic ",
        "Bearer cmlf_forged",
        `Bearer ${"x".repeat(10_000)}`,
      ] as const;
      const cases = fc.sample(
        fc.record({
          method: fc.constantFrom("GET", "GET", "HEAD", "POST", "POST", "PUT", "DELETE", "OPTIONS"),
          segments: fc.array(segment, { maxLength: 5 }),
          query,
          authorization: fc.constantFrom(...credentials),
          contentType: fc.constantFrom(
            null,
            "application/json",
            "text/plain",
            "application/x-www-form-urlencoded",
          ),
          csrf: fc.boolean(),
          origin: fc.constantFrom(null, "https://evil.example", "null"),
        }),
        { seed: config.seed, numRuns: config.runs },
      );
      const findings = new FuzzFindings();
      const started = performance.now();
      let status5xx = 0;
      let crashes = 0;
      let refused = 0;

      for (const [run, each] of cases.entries()) {
        const path = `/admin/queues${each.segments.map((part) => `/${part}`).join("")}${each.query}`;
        const headers: Record<string, string> = {};
        if (each.authorization !== null) {
          headers.authorization = each.authorization;
        }
        if (each.contentType !== null) {
          headers["content-type"] = each.contentType;
        }
        if (each.csrf) {
          headers["x-cml-fleet-csrf"] = "1";
        }
        if (each.origin !== null) {
          headers.origin = each.origin;
        }
        const body = each.method === "POST" || each.method === "PUT" ? "{}" : null;
        const answer = await send(each.method, path, headers, body);
        const example = `${each.method} ${shown(path, 160)} ${shown(headers, 160)} -> ${answer.status} ${shown(answer.text, 160)}`;
        const add = (group: string) => findings.add({ group, run, example });
        // A path with dot segments ("..", "%2e%2e") is the path it resolves to, as the server reads it.
        const resolved = new URL(path, "http://localhost").pathname;
        const inView = resolved === "/admin/queues" || resolved.startsWith("/admin/queues/");

        if (answer.dropped !== undefined) {
          crashes += 1;
          add(`connection dropped: ${answer.dropped}`);
          continue;
        }
        if (answer.status >= 500) {
          status5xx += 1;
          add(`HTTP ${answer.status}`);
        }
        if (!inView) {
          continue;
        }
        const admin =
          each.authorization === `Bearer ${fleet.tokens.ADMIN}` || each.authorization === credentials[3];
        if (answer.status < 300 && !admin) {
          add("a non-ADMIN request was answered");
        }
        if (answer.status >= 400) {
          refused += 1;
          if (each.method !== "HEAD") {
            const errors = errorsOf(parsed(answer.text));
            const code = errors[0] === undefined ? null : codeOf(errors[0]);
            if (code === null || !CONTRACT_CODES.has(code)) {
              add(`error without a contract code (${answer.status})`);
            }
          }
        }
        if (answer.contentType.startsWith("text/html")) {
          const scripts = answer.text.match(/<script[^>]*>/g) ?? [];
          if (
            scripts.length > 1 ||
            answer.text.includes("<img") ||
            answer.text.includes("alert(1)</script>")
          ) {
            add("markup from data or input in a page");
          }
        }
        if (answer.contentType.startsWith("application/json") && /[<>]/.test(answer.text)) {
          add("unescaped < or > in JSON");
        }
        if (run % 50 === 49 && !(await isHealthy(api.origin))) {
          crashes += 1;
          add("health: /healthz stopped answering 200");
        }
      }

      expect(await isHealthy(api.origin)).toBe(true);
      printSummary({
        file: FILE,
        seed: config.seed,
        requests: cases.length,
        internalErrors: 0,
        status5xx,
        crashes,
        refused,
        refusedThatWrote: 0,
        uncodedRequestErrors: 0,
        durationMs: Math.round(performance.now() - started),
      });
      expect(findings.report(replayHint(config, FILE))).toBe("");
    },
    config.timeoutMs,
  );
});

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
