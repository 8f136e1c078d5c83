import type { z } from "zod";
import { sameFingerprint } from "../../domain/certificate-fingerprint";
import { CmlError, type CmlErrorKind } from "../../errors";
import type { CmlEndpoint } from "../../ports/cml-client.port";
import type { CmlSessionStore, SharedCmlSession } from "../../ports/cml-session-store.port";
import type { Logger } from "../../ports/logger.port";
import { certificateExpectation } from "./cml-certificate-pinning";
import { parseAnswer, statusError } from "./cml-errors";
import type { CmlHttpResponse, CmlTransport, HttpMethod } from "./cml-http-transport";
import { authExtendedSchema } from "./cml-schemas";

type Session = SharedCmlSession;

/** How long a shared sign-in is kept when its token names no expiry (`exp`); CML's own tokens last longer. */
const SHARED_SESSION_DEFAULT_TTL_MS = 60 * 60_000;
/** A shared sign-in is dropped this long before its token expires, so no process is handed one about to lapse. */
const SHARED_SESSION_MARGIN_MS = 60_000;

export interface CmlCall {
  readonly method: HttpMethod;
  readonly path: string;
  readonly json?: unknown;
  /** Short name of the call for messages, e.g. "GET /licensing". */
  readonly what?: string;
}

export interface CmlSessions {
  /** Sends an authenticated call; on a 401 authenticates again once and retries once. */
  call(endpoint: CmlEndpoint, call: CmlCall): Promise<CmlHttpResponse>;
  /** Like `call`, but any status outside 2xx is an error and the body must match `schema`. */
  get<S extends z.ZodType>(endpoint: CmlEndpoint, path: string, schema: S): Promise<z.infer<S>>;
  /** The service account's own user id on this worker (authenticating if needed). */
  userId(endpoint: CmlEndpoint): Promise<string>;
  forget(workerId: string): void;
}

/** Whether a session's login was made with the machine the endpoint's certificate pin names. */
function sameMachine(session: Session, endpoint: CmlEndpoint): boolean {
  const pin = endpoint.certificatePin ?? null;
  if (pin === session.certificatePin) {
    return true;
  }
  return pin !== null && session.certificate !== null && sameFingerprint(pin, session.certificate);
}

/**
 * How long a token may be shared: until its `exp` claim (a JWT's payload,
 * read without trusting it for anything else) less a margin, or an hour when
 * it names none. 0: not worth sharing.
 */
export function sharedSessionTtlMs(token: string, now: number): number {
  const payload = token.split(".")[1];
  if (payload !== undefined) {
    try {
      const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
      if (
        typeof claims === "object" &&
        claims !== null &&
        "exp" in claims &&
        typeof claims.exp === "number"
      ) {
        return Math.max(0, claims.exp * 1000 - now - SHARED_SESSION_MARGIN_MS);
      }
    } catch {
      // Not a JWT with a JSON payload: shared for the default time.
    }
  }
  return SHARED_SESSION_DEFAULT_TTL_MS;
}

/**
 * One session (token and own user id) per worker. `POST /auth_extended` gives
 * both in one call; the id is what lets activity polling ignore the fleet's
 * own requests. Concurrent callers share a pending login.
 *
 * With a `store`, a sign-in is shared with the other job processes: a worker
 * this process has no session for takes the one kept there (made at the same
 * address, on the same machine by its certificate pin) before logging in, and
 * a login made here is kept there. The store failing only costs a login.
 */
export function createCmlSessions(deps: {
  readonly transport: CmlTransport;
  readonly username: string;
  readonly password: string;
  readonly logger: Logger;
  readonly store?: CmlSessionStore | undefined;
  readonly now?: () => number;
}): CmlSessions {
  const store = deps.store;
  const now = deps.now ?? Date.now;
  const sessions = new Map<string, Session>();
  const pending = new Map<string, Promise<Session>>();

  async function login(endpoint: CmlEndpoint): Promise<Session> {
    const response = await deps.transport.send({
      baseUrl: endpoint.baseUrl,
      method: "POST",
      path: "/auth_extended",
      json: { username: deps.username, password: deps.password },
      // The password goes only over a connection whose certificate is the worker's pinned one.
      certificate: certificateExpectation(endpoint),
      signal: endpoint.signal,
      // The questions that wait for this login follow it on the same connection.
      followedUp: true,
    });
    if (response.status !== 200) {
      throw statusError(endpoint.baseUrl, "POST /auth_extended", response);
    }
    const answer = parseAnswer(authExtendedSchema, response.body, endpoint.baseUrl, "POST /auth_extended");
    deps.logger.debug({ workerId: endpoint.workerId }, "authenticated to CML");
    return {
      baseUrl: endpoint.baseUrl,
      certificatePin: endpoint.certificatePin ?? null,
      certificate: response.certificate ?? null,
      token: answer.token,
      userId: answer.id,
    };
  }

  /** A sign-in another process made and shared, if it fits the endpoint; else a login of this process's own. */
  async function sharedOrLogin(endpoint: CmlEndpoint): Promise<Session> {
    if (store === undefined) {
      return login(endpoint);
    }
    const shared = await store.get(endpoint.workerId).catch((error: unknown) => {
      deps.logger.debug({ err: error, workerId: endpoint.workerId }, "could not read a shared CML sign-in");
      return null;
    });
    if (shared !== null && shared.baseUrl === endpoint.baseUrl && sameMachine(shared, endpoint)) {
      return shared;
    }
    const fresh = await login(endpoint);
    const ttlMs = sharedSessionTtlMs(fresh.token, now());
    if (ttlMs > 0) {
      await store.put(endpoint.workerId, fresh, ttlMs).catch((error: unknown) => {
        deps.logger.debug({ err: error, workerId: endpoint.workerId }, "could not share a CML sign-in");
      });
    }
    return fresh;
  }

  /** Drops a worker's shared sign-in (only while it still carries `token`, when given), whatever the store says. */
  function unshare(workerId: string, token?: string): void {
    store?.delete(workerId, token).catch((error: unknown) => {
      deps.logger.debug({ err: error, workerId }, "could not forget a shared CML sign-in");
    });
  }

  function session(endpoint: CmlEndpoint): Promise<Session> {
    const current = sessions.get(endpoint.workerId);
    // A stopped and started worker comes back on another address: its old token is useless there. A new
    // certificate pin means another machine (an ADMIN trusted it): it gets a login of its own, never the
    // token the old one issued. A first-use login serves the requests pinned to the certificate it presented.
    if (current !== undefined && current.baseUrl === endpoint.baseUrl && sameMachine(current, endpoint)) {
      return Promise.resolve(current);
    }
    const inFlight = pending.get(endpoint.workerId);
    if (inFlight !== undefined) {
      return inFlight;
    }
    const started = sharedOrLogin(endpoint)
      .then((fresh) => {
        sessions.set(endpoint.workerId, fresh);
        return fresh;
      })
      .finally(() => pending.delete(endpoint.workerId));
    pending.set(endpoint.workerId, started);
    return started;
  }

  async function call(endpoint: CmlEndpoint, request: CmlCall): Promise<CmlHttpResponse> {
    const send = (token: string) =>
      deps.transport.send({
        baseUrl: endpoint.baseUrl,
        method: request.method,
        path: request.path,
        json: request.json,
        token,
        certificate: certificateExpectation(endpoint),
        signal: endpoint.signal,
      });
    const first = await session(endpoint);
    const response = await send(first.token);
    if (response.status !== 401) {
      return response;
    }
    // The token expired or CML restarted: one fresh login, one retry. The shared one goes too (unless another
    // process already replaced it), or the next look would be handed the same refused token.
    if (sessions.get(endpoint.workerId) === first) {
      sessions.delete(endpoint.workerId);
    }
    unshare(endpoint.workerId, first.token);
    const second = await session(endpoint);
    return send(second.token);
  }

  return {
    call,
    async get(endpoint, path, schema) {
      const what = `GET ${path}`;
      const response = await call(endpoint, { method: "GET", path });
      if (response.status < 200 || response.status >= 300) {
        throw statusError(endpoint.baseUrl, what, response);
      }
      return parseAnswer(schema, response.body, endpoint.baseUrl, what);
    },
    async userId(endpoint) {
      return (await session(endpoint)).userId;
    },
    forget(workerId) {
      sessions.delete(workerId);
      unshare(workerId);
    },
  };
}

/** Throws unless the answer is one of `ok`; `overrides` re-kind specific statuses. */
export function expectStatus(
  endpoint: CmlEndpoint,
  what: string,
  response: CmlHttpResponse,
  ok: readonly number[],
  overrides: Readonly<Partial<Record<number, CmlErrorKind>>> = {},
): void {
  if (!ok.includes(response.status)) {
    throw statusError(endpoint.baseUrl, what, response, overrides);
  }
}

export function isCmlError(error: unknown, kind: CmlErrorKind): error is CmlError {
  return error instanceof CmlError && error.kind === kind;
}
