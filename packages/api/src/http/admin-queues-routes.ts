import { JOB_KINDS, type JobKind } from "@cml-fleet/core/domain/job";
import { type FleetError, NotFoundError, ValidationError } from "@cml-fleet/core/errors";
import { INSPECTED_STATES, type InspectedState } from "@cml-fleet/platform/queue/queue-inspector";

/** Where the queue view lives; everything under it is the view's. */
export const ADMIN_QUEUES_PATH = "/admin/queues";

/** Jobs shown on one page of a queue's state. */
export const JOBS_PER_PAGE = 25;
/** Deeper than any queue's retention keeps (queue-definitions.ts), small enough to bound a range read. */
const MAX_PAGE = 10_000;
/** Longer than any job id the fleet makes (jobKindOfId). */
const MAX_JOB_ID_LENGTH = 128;

export const ASSETS = {
  "view.css": "text/css; charset=utf-8",
  "view.js": "text/javascript; charset=utf-8",
} as const;
export type AssetName = keyof typeof ASSETS;

export interface JobPage {
  readonly kind: JobKind;
  readonly state: InspectedState;
  readonly page: number;
}

/** A request of the queue view, once its path, method and parameters have been checked. */
export type QueueViewRoute =
  | { readonly to: "overview-page" }
  | ({ readonly to: "queue-page" } & JobPage)
  | { readonly to: "asset"; readonly name: AssetName }
  | { readonly to: "queues" }
  | ({ readonly to: "jobs" } & JobPage)
  | { readonly to: "job"; readonly id: string }
  | ActionRoute;

/** The routes that change something: POST only, and refused as cross-site requests unless preflighted. */
export type ActionRoute =
  | { readonly to: "retry" | "remove"; readonly id: string }
  | { readonly to: "pause" | "resume"; readonly kind: JobKind };

export function isAction(route: QueueViewRoute): route is ActionRoute {
  return route.to === "retry" || route.to === "remove" || route.to === "pause" || route.to === "resume";
}

export function isQueueViewPath(pathname: string): boolean {
  return pathname === ADMIN_QUEUES_PATH || pathname.startsWith(`${ADMIN_QUEUES_PATH}/`);
}

export type RouteResult =
  | { readonly ok: true; readonly route: QueueViewRoute }
  | { readonly ok: false; readonly error: FleetError }
  | { readonly ok: false; readonly methodNotAllowed: "GET, HEAD" | "POST" };

/**
 * Reads a queue-view request: which page, asset, read or action it asks for.
 * Hostile paths and parameters are refused here (BAD_USER_INPUT, or
 * NOT_FOUND for what names nothing) before anything reads Redis.
 */
export function routeOf(method: string, url: URL): RouteResult {
  const segments = segmentsOf(url.pathname);
  if (segments === null) {
    return { ok: false, error: new ValidationError("path", "is not valid percent-encoded text") };
  }
  const reading = method === "GET" || method === "HEAD";
  const [first = "", second = "", third = "", fourth = "", ...rest] = segments;
  const nothing = () => ({ ok: false as const, error: new NotFoundError("queue view page", url.pathname) });
  if (rest.length > 0) {
    return nothing();
  }
  const read = (route: QueueViewRoute | FleetError): RouteResult =>
    !reading
      ? { ok: false, methodNotAllowed: "GET, HEAD" }
      : route instanceof Error
        ? { ok: false, error: route }
        : { ok: true, route };
  const act = (route: QueueViewRoute | FleetError): RouteResult =>
    method !== "POST"
      ? { ok: false, methodNotAllowed: "POST" }
      : route instanceof Error
        ? { ok: false, error: route }
        : { ok: true, route };

  if (first === "" && segments.length <= 1) {
    return read({ to: "overview-page" });
  }
  if (first === "assets" && third === "" && isAsset(second)) {
    return read({ to: "asset", name: second });
  }
  if (first === "queue" && third === "") {
    return read(jobPageOf(second, url.searchParams, "queue-page"));
  }
  if (first !== "api") {
    return nothing();
  }
  if (second === "queues" && third === "") {
    return read({ to: "queues" });
  }
  if (second === "queues" && fourth === "jobs") {
    return read(jobPageOf(third, url.searchParams, "jobs"));
  }
  if (second === "queues" && (fourth === "pause" || fourth === "resume")) {
    const kind = kindOf(third);
    return act(kind instanceof Error ? kind : { to: fourth, kind });
  }
  if (second === "jobs" && fourth === "") {
    const id = jobIdOf(third);
    return read(id instanceof Error ? id : { to: "job", id });
  }
  if (second === "jobs" && (fourth === "retry" || fourth === "remove")) {
    const id = jobIdOf(third);
    return act(id instanceof Error ? id : { to: fourth, id });
  }
  return nothing();
}

/** The path below ADMIN_QUEUES_PATH, decoded segment by segment; null when one is not valid text. */
function segmentsOf(pathname: string): string[] | null {
  const below = pathname.slice(ADMIN_QUEUES_PATH.length).replace(/^\//, "");
  try {
    return below === "" ? [] : below.split("/").map((segment) => decodeURIComponent(segment));
  } catch {
    return null;
  }
}

function isAsset(name: string): name is AssetName {
  return Object.hasOwn(ASSETS, name);
}

function kindOf(text: string): JobKind | FleetError {
  const kind = JOB_KINDS.find((known) => known === text);
  return kind ?? new NotFoundError("queue", text.slice(0, 64));
}

function jobIdOf(text: string): string | FleetError {
  if (text === "" || text.length > MAX_JOB_ID_LENGTH || !/^[\w.:-]+$/.test(text)) {
    return new ValidationError("id", "is not a job id (e.g. stop.<worker id>)");
  }
  return text;
}

function jobPageOf(
  kindText: string,
  parameters: URLSearchParams,
  to: "queue-page" | "jobs",
): QueueViewRoute | FleetError {
  const kind = kindOf(kindText);
  if (kind instanceof Error) {
    return kind;
  }
  const stateText = parameters.get("state") ?? "failed";
  const state = INSPECTED_STATES.find((known) => known === stateText);
  if (state === undefined) {
    return new ValidationError("state", `must be one of ${INSPECTED_STATES.join(", ")}`);
  }
  const pageText = parameters.get("page") ?? "0";
  if (!/^\d{1,6}$/.test(pageText) || Number(pageText) > MAX_PAGE) {
    return new ValidationError("page", `must be a whole number from 0 to ${MAX_PAGE}`);
  }
  return { to, kind, state, page: Number(pageText) };
}
