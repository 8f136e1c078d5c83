/** How one POST to a receiver ended. */
export type WebhookOutcome =
  | { readonly ok: true; readonly status: number }
  | { readonly ok: false; readonly status: number | null; readonly error: string };

/** POSTs a notification to a receiver (HTTP in production; the adapter bounds the time and follows no redirect). */
export interface WebhookSender {
  post(
    url: string,
    request: { readonly body: string; readonly headers: Readonly<Record<string, string>> },
  ): Promise<WebhookOutcome>;
}
