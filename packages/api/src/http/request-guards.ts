import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Refuses a request body over `maxBytes` before anything reads it. A body
 * must announce its length: a chunked upload could only be measured by
 * reading it, which is the work the limit exists to avoid. GET, HEAD and
 * OPTIONS requests may carry none.
 * Returns true when it answered (and the request must go no further).
 */
export function refuseOversizedBody(
  request: IncomingMessage,
  response: ServerResponse,
  maxBytes: number,
): boolean {
  const declared = request.headers["content-length"];
  if (request.method === "GET" || request.method === "HEAD" || request.method === "OPTIONS") {
    // The Fetch API yoga runs on cannot even build such a request: it would end as a 500.
    const hasBody =
      request.headers["transfer-encoding"] !== undefined ||
      (declared !== undefined && declared.trim() !== "0");
    return hasBody
      ? refuse(
          response,
          400,
          `a ${request.method} request carries no body: send the operation in the query string, or POST it as JSON`,
        )
      : false;
  }
  if (declared === undefined) {
    if (request.headers["transfer-encoding"] === undefined) {
      return false;
    }
    return refuse(response, 411, "a request body must carry Content-Length");
  }
  const length = Number(declared);
  if (!Number.isSafeInteger(length) || length < 0) {
    return refuse(response, 400, "Content-Length is not a number");
  }
  if (length > maxBytes) {
    return refuse(response, 413, `request body is ${length} bytes; the limit is ${maxBytes}`);
  }
  return false;
}

const JSON_QUERY_PARAMETERS = ["variables", "extensions"] as const;

/**
 * Refuses a GET whose `variables` or `extensions` parameter is not a JSON
 * object (yoga would fail parsing it with an internal error, a 500).
 * Returns true when it answered.
 */
export function refuseMalformedQueryString(request: IncomingMessage, response: ServerResponse): boolean {
  if (request.method !== "GET") {
    return false;
  }
  const parameters = new URL(request.url ?? "/", "http://localhost").searchParams;
  for (const name of JSON_QUERY_PARAMETERS) {
    const value = parameters.get(name);
    if (value !== null && value !== "" && !isJsonObject(value)) {
      return refuse(response, 400, `the ${name} parameter must be a JSON object, e.g. ${name}={"id":"..."}`);
    }
  }
  return false;
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return value === null || (typeof value === "object" && !Array.isArray(value));
  } catch {
    return false;
  }
}

function refuse(response: ServerResponse, status: number, message: string): true {
  response.writeHead(status, { "content-type": "application/json", connection: "close" });
  response.end(JSON.stringify({ errors: [{ message, extensions: { code: "BAD_USER_INPUT" } }] }));
  return true;
}
