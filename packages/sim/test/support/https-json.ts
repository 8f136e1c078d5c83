import { request } from "node:https";

export interface HttpsResult {
  readonly status: number;
  readonly body: unknown;
}

/** One HTTPS call to a simulated CML API (self-signed certificate, so no verification). */
export function httpsJson(
  url: string,
  options: { method?: string; token?: string; body?: unknown } = {},
): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: "application/json" };
    if (options.token) {
      headers.authorization = `Bearer ${options.token}`;
    }
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (payload !== undefined) {
      headers["content-type"] = "application/json";
    }
    const req = request(
      url,
      { method: options.method ?? "GET", headers, rejectUnauthorized: false, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({
            status: res.statusCode ?? 0,
            body: text === "" ? undefined : (JSON.parse(text) as unknown),
          });
        });
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}
