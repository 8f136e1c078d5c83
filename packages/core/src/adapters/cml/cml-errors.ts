import type { z } from "zod";
import { cleanOutsideText, OUTSIDE_TEXT_LIMITS } from "../../domain/outside-text";
import { CmlError, type CmlErrorKind } from "../../errors";
import type { CmlHttpResponse } from "./cml-http-transport";

function rawMessage(body: unknown): string | null {
  if (typeof body === "string") {
    return body;
  }
  if (typeof body === "object" && body !== null) {
    for (const key of ["description", "detail", "message", "error"]) {
      const value: unknown = (body as Record<string, unknown>)[key];
      if (typeof value === "string" && value.length > 0) {
        return value;
      }
    }
  }
  return null;
}

/**
 * CML errors come as `{"code": 400, "description": "..."}`; fall back to whatever text came. The words
 * end up in job errors, events and the monitor, so they are outside text: cleaned and bounded.
 */
export function cmlMessage(body: unknown): string | null {
  const raw = rawMessage(body);
  const message = raw === null ? "" : cleanOutsideText(raw, OUTSIDE_TEXT_LIMITS.message);
  return message.length > 0 ? message : null;
}

/** The kind of a failed HTTP answer; a request may override single statuses (e.g. 400 on registration). */
export function kindForStatus(status: number): CmlErrorKind {
  if (status === 401 || status === 403) {
    return "unauthorized";
  }
  if (status === 404) {
    return "not-found";
  }
  // nginx answers these while the controller behind it is still starting.
  if (status === 502 || status === 503 || status === 504) {
    return "not-ready";
  }
  if (status >= 400 && status < 500) {
    return "refused";
  }
  return "protocol";
}

export function statusError(
  endpoint: string,
  what: string,
  response: CmlHttpResponse,
  overrides: Readonly<Partial<Record<number, CmlErrorKind>>> = {},
): CmlError {
  const kind = overrides[response.status] ?? kindForStatus(response.status);
  const detail = cmlMessage(response.body);
  return new CmlError(
    kind,
    endpoint,
    `${what} answered HTTP ${response.status}${detail === null ? "" : `: ${detail}`}`,
    response.status,
  );
}

/** Validates an answer's shape; a mismatch is a protocol error naming the first problems. */
export function parseAnswer<S extends z.ZodType>(
  schema: S,
  body: unknown,
  endpoint: string,
  what: string,
): z.infer<S> {
  const result = schema.safeParse(body);
  if (!result.success) {
    // A path holds the answer's own keys (e.g. a compute's id): outside text like the rest.
    const problems = cleanOutsideText(
      result.error.issues
        .slice(0, 3)
        .map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`)
        .join("; "),
      OUTSIDE_TEXT_LIMITS.message,
    );
    throw new CmlError("protocol", endpoint, `unexpected answer from ${what}: ${problems}`);
  }
  return result.data;
}
