import type { IncomingHttpHeaders } from "node:http";

export interface HttpRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export function json(status: number, value: unknown): HttpResponse {
  return { status, headers: { "content-type": "application/json" }, body: JSON.stringify(value) };
}

export function noContent(): HttpResponse {
  return { status: 204 };
}

/** The region from a SigV4 `Authorization` header's credential scope (`<key>/<date>/<region>/<service>/aws4_request`). */
export function regionFromAuthorization(headers: IncomingHttpHeaders, fallback: string): string {
  const match = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\//.exec(headers.authorization ?? "");
  return match?.[1] ?? fallback;
}
