import type { JobKind } from "@cml-fleet/core/domain/job";
import {
  INSPECTED_STATES,
  type InspectedJob,
  type InspectedState,
  type QueueSummary,
} from "@cml-fleet/platform/queue/queue-inspector";
import { removalRefusal } from "./admin-queues-actions";
import { ADMIN_QUEUES_PATH, JOBS_PER_PAGE } from "./admin-queues-routes";

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Text as HTML that shows it and does nothing else, in element content and quoted attributes alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);
}

/** Values go into the page only through here: every one is escaped. */
function html(strings: TemplateStringsArray, ...values: readonly (string | number | SafeHtml)[]): SafeHtml {
  let out = strings[0] ?? "";
  values.forEach((value, index) => {
    out += value instanceof SafeHtml ? value.html : escapeHtml(String(value));
    out += strings[index + 1] ?? "";
  });
  return new SafeHtml(out);
}

/** Markup built by `html`, so already escaped. */
class SafeHtml {
  constructor(readonly html: string) {}
}

function join(parts: readonly SafeHtml[]): SafeHtml {
  return new SafeHtml(parts.map((part) => part.html).join(""));
}

function layout(title: string, body: SafeHtml, viewer: string): string {
  return `<!doctype html>${
    html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title><link rel="stylesheet" href="${ADMIN_QUEUES_PATH}/assets/view.css"></head>
<body><header><a href="${ADMIN_QUEUES_PATH}">cml-fleet queues</a><span class="viewer">${viewer}</span></header>
<main>${body}</main><p id="status" role="status"></p>
<script src="${ADMIN_QUEUES_PATH}/assets/view.js"></script></body></html>`.html
  }`;
}

function queueLink(kind: JobKind, state: InspectedState, page = 0): string {
  const query = new URLSearchParams({ state, page: String(page) });
  return `${ADMIN_QUEUES_PATH}/queue/${encodeURIComponent(kind)}?${query.toString()}`;
}

/** GET /admin/queues: every job kind's queue with its counts, linking to the jobs of each state. */
export function overviewPage(summaries: readonly QueueSummary[], viewer: string): string {
  const rows = summaries.map((summary) => {
    const cells = INSPECTED_STATES.map(
      (state) => html`<td><a href="${queueLink(summary.kind, state)}">${summary.counts[state]}</a></td>`,
    );
    const action = summary.paused ? "resume" : "pause";
    return html`<tr><th scope="row"><a href="${queueLink(summary.kind, "failed")}">${summary.kind}</a>${
      summary.paused ? html` <span class="paused">paused</span>` : html``
    }</th>${join(cells)}<td>${actionButton(
      action,
      `${ADMIN_QUEUES_PATH}/api/queues/${encodeURIComponent(summary.kind)}/${action}`,
      `${action} the ${summary.kind} queue?`,
    )}</td></tr>`;
  });
  const headings = join(INSPECTED_STATES.map((state) => html`<th scope="col">${state}</th>`));
  return layout(
    "cml-fleet queues",
    html`<h1>Queues</h1><table><thead><tr><th scope="col">queue</th>${headings}<th></th></tr></thead>
<tbody>${join(rows)}</tbody></table>`,
    viewer,
  );
}

/** GET /admin/queues/queue/<kind>?state=&page=: one state's jobs with their data, errors and actions. */
export function queuePage(
  kind: JobKind,
  state: InspectedState,
  page: number,
  jobs: readonly InspectedJob[],
  viewer: string,
): string {
  const tabs = join(
    INSPECTED_STATES.map((each) =>
      each === state
        ? html`<strong>${each}</strong> `
        : html`<a href="${queueLink(kind, each)}">${each}</a> `,
    ),
  );
  const pager = join([
    page > 0 ? html`<a href="${queueLink(kind, state, page - 1)}">newer</a> ` : html``,
    jobs.length === JOBS_PER_PAGE ? html`<a href="${queueLink(kind, state, page + 1)}">older</a>` : html``,
  ]);
  const list =
    jobs.length === 0
      ? html`<p>No ${state} jobs.</p>`
      : html`<ol class="jobs">${join(jobs.map(jobItem))}</ol>`;
  return layout(
    `${kind} · ${state}`,
    html`<h1>${kind}</h1><nav>${tabs}</nav>${list}<nav>${pager}</nav>`,
    viewer,
  );
}

function jobItem(job: InspectedJob): SafeHtml {
  const jobPath = `${ADMIN_QUEUES_PATH}/api/jobs/${encodeURIComponent(job.id)}`;
  const error =
    job.failedReason === null
      ? html``
      : html`<p class="error">${job.failedReason}</p>${
          job.stacktrace.length === 0
            ? html``
            : html`<details><summary>stack traces (${job.stacktrace.length})</summary>${join(
                job.stacktrace.map((trace) => html`<pre>${trace}</pre>`),
              )}</details>`
        }`;
  const retry = job.state === "failed" ? actionButton("retry", `${jobPath}/retry`, null) : html``;
  const remove =
    removalRefusal(job) === null
      ? actionButton("remove", `${jobPath}/remove`, `remove job ${job.id}?`)
      : html``;
  return html`<li><h2>${job.id}</h2><p class="meta">${job.state} · attempts ${job.attemptsMade} · created ${job.createdAt.toISOString()}${
    job.finishedAt === null ? "" : ` · finished ${job.finishedAt.toISOString()}`
  }</p>${error}<details open><summary>data</summary><pre>${stringify(job.data)}</pre></details>${
    job.returnValue === null
      ? html``
      : html`<details><summary>result</summary><pre>${stringify(job.returnValue)}</pre></details>`
  }<p>${retry} ${remove}</p></li>`;
}

/** A button the page's script turns into a POST (the script asks first when `confirm` is given). */
function actionButton(label: string, url: string, confirm: string | null): SafeHtml {
  return confirm === null
    ? html`<button type="button" data-url="${url}">${label}</button>`
    : html`<button type="button" data-url="${url}" data-confirm="${confirm}">${label}</button>`;
}

function stringify(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? "null";
}
