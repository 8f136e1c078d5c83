import type { ServerResponse } from "node:http";

/**
 * A dependency /readyz checks: resolves when it answers (with a note when
 * something is off but not failing yet: the details show it after "ok"),
 * rejects with why it is not ready.
 */
export type ReadinessCheck = () => Promise<unknown>;

export interface ReadinessNote {
  readonly note: string;
}

function isReadinessNote(answer: unknown): answer is ReadinessNote {
  return typeof answer === "object" && answer !== null && "note" in answer && typeof answer.note === "string";
}

const CHECK_TIMEOUT_MS = 2_000;

/** GET /healthz: the process runs and serves HTTP. */
export function answerHealth(response: ServerResponse): void {
  sendJson(response, 200, { status: "ok" });
}

/**
 * GET /readyz: 200 only when every dependency (Postgres, Redis) answers within
 * the timeout. With `details`, which one failed and why (error text may name
 * hosts and users, so a public port in production shows only the status).
 */
export async function answerReadiness(
  response: ServerResponse,
  checks: Readonly<Record<string, ReadinessCheck>>,
  details: boolean,
): Promise<void> {
  const results = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => [name, await probe(check)] as const),
  );
  const ready = results.every(([, result]) => result.ok);
  const status = ready ? "ready" : "not ready";
  sendJson(
    response,
    ready ? 200 : 503,
    details
      ? { status, checks: Object.fromEntries(results.map(([name, result]) => [name, result.text])) }
      : { status },
  );
}

interface ProbeResult {
  readonly ok: boolean;
  /** "ok", "ok: <note>", or why not. */
  readonly text: string;
}

async function probe(check: ReadinessCheck): Promise<ProbeResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<ProbeResult>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, text: `no answer within ${CHECK_TIMEOUT_MS}ms` }),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([
      check().then(
        (answer) => ({ ok: true, text: isReadinessNote(answer) ? `ok: ${answer.note}` : "ok" }),
        (error: unknown) => ({ ok: false, text: error instanceof Error ? error.message : "failed" }),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...headers });
  response.end(JSON.stringify(body));
}
