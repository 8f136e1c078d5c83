import type { AssetName } from "./admin-queues-routes";

/** The header the page's script sends with every action; a cross-site form cannot add it without a preflight. */
export const QUEUE_VIEW_CSRF_HEADER = "x-cml-fleet-csrf";

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
header { display: flex; justify-content: space-between; padding: 0.6rem 1rem; background: #1d2330; }
header a, header span { color: #fff; text-decoration: none; }
main { padding: 1rem; }
table { border-collapse: collapse; background: #fff; }
th, td { padding: 0.3rem 0.7rem; border-bottom: 1px solid #dde1e7; text-align: right; }
th[scope="row"] { text-align: left; }
.paused { color: #a15c00; font-weight: normal; }
ol.jobs { list-style: none; padding: 0; }
ol.jobs li { background: #fff; margin-bottom: 0.8rem; padding: 0.6rem 1rem; border: 1px solid #dde1e7; }
h2 { font-size: 1rem; margin: 0; word-break: break-all; }
.meta { color: #5b6472; margin: 0.2rem 0; }
.error { color: #a3201b; white-space: pre-wrap; }
pre { background: #f0f2f5; padding: 0.5rem; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
#status { padding: 0 1rem; }
`;

/**
 * Turns the page's action buttons into POSTs: JSON with the CSRF header, so
 * that only this page (same origin) can make them. Results are shown as
 * text (textContent), never as markup.
 */
const SCRIPT = `"use strict";
const statusLine = document.getElementById("status");
for (const button of document.querySelectorAll("button[data-url]")) {
  button.addEventListener("click", async () => {
    const question = button.dataset.confirm;
    if (question !== undefined && !window.confirm(question)) {
      return;
    }
    button.disabled = true;
    try {
      const response = await fetch(button.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json", "${QUEUE_VIEW_CSRF_HEADER}": "1" },
        body: "{}",
      });
      const answer = await response.json().catch(() => null);
      if (response.ok) {
        window.location.reload();
        return;
      }
      const message = answer && answer.errors && answer.errors[0] ? answer.errors[0].message : response.statusText;
      statusLine.textContent = "Refused (" + response.status + "): " + message;
    } catch (error) {
      statusLine.textContent = "Failed: " + String(error);
    }
    button.disabled = false;
  });
}
`;

export const ASSET_BODIES: Readonly<Record<AssetName, string>> = {
  "view.css": STYLE,
  "view.js": SCRIPT,
};
