import type { WebhookOutcome, WebhookSender } from "../../ports/webhook-sender.port";

export interface HttpWebhookSenderOptions {
  /** NOTIFY_DELIVERY_TIMEOUT: connect to the end of the answer. */
  readonly timeoutMs: number;
}

/** How much of a receiver's answer is read: enough to name a failure, never a flood. */
const MAX_ERROR_BODY = 200;

/**
 * The WebhookSender over fetch. Redirects are not followed (a 3xx is a
 * failure naming the status): a receiver cannot bounce a signed delivery to
 * another host, such as an address inside the fleet's network. The time is
 * bounded as a whole, the answer's body read only in part.
 */
export function createHttpWebhookSender(options: HttpWebhookSenderOptions): WebhookSender {
  return {
    async post(url, request): Promise<WebhookOutcome> {
      const signal = AbortSignal.timeout(options.timeoutMs);
      try {
        const response = await fetch(url, {
          method: "POST",
          body: request.body,
          headers: request.headers,
          redirect: "manual",
          signal,
        });
        if (response.status >= 200 && response.status < 300) {
          await response.body?.cancel().catch(() => {});
          return { ok: true, status: response.status };
        }
        const text = await response
          .text()
          .then((body) => body.slice(0, MAX_ERROR_BODY))
          .catch(() => "");
        const redirect =
          response.status >= 300 && response.status < 400 ? " (redirects are not followed)" : "";
        return {
          ok: false,
          status: response.status,
          error: `the receiver answered HTTP ${response.status}${redirect}${text === "" ? "" : `: ${text}`}`,
        };
      } catch (error) {
        if (signal.aborted) {
          return { ok: false, status: null, error: `no answer within ${options.timeoutMs} ms` };
        }
        const cause =
          error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
        return {
          ok: false,
          status: null,
          error: `could not reach the receiver${error instanceof Error ? ` (${error.message}${cause})` : ""}`,
        };
      }
    },
  };
}
