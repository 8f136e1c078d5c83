import type https from "node:https";
import type { Duplex } from "node:stream";
import { type ConnectionOptions, TLSSocket } from "node:tls";
import { normalizeFingerprint, sameFingerprint } from "../../domain/certificate-fingerprint";
import { CmlCertificateMismatchError, CmlError } from "../../errors";
import type { CmlCertificatePins, CmlEndpoint } from "../../ports/cml-client.port";
import { BoundedIdleAgent } from "./cml-connection-pool";

/**
 * What a request expects of its worker's certificate: the pinned SHA-256
 * fingerprint, or null when none is pinned yet (the first handshake pins it).
 */
export interface CertificateExpectation {
  readonly workerId: string;
  readonly pin: string | null;
}

/** The expectation a request to this endpoint carries (no pin on the endpoint: pin on first use). */
export function certificateExpectation(endpoint: CmlEndpoint): CertificateExpectation {
  return { workerId: endpoint.workerId, pin: endpoint.certificatePin ?? null };
}

/** The request option the transport sets; read back without trusting its shape. */
function expectationOf(options: object): CertificateExpectation | undefined {
  if (!("cmlCertificate" in options)) {
    return undefined;
  }
  const value: unknown = options.cmlCertificate;
  if (typeof value !== "object" || value === null || !("workerId" in value) || !("pin" in value)) {
    return undefined;
  }
  const { workerId, pin } = value;
  return typeof workerId === "string" && (pin === null || typeof pin === "string")
    ? { workerId, pin }
    : undefined;
}

function endpointOf(options: https.RequestOptions): string {
  return `https://${options.host ?? options.hostname ?? "?"}:${options.port ?? 443}`;
}

/** A TLS session a pool may resume, and the certificate presented on the connection that was given it. */
interface ResumableSession {
  readonly session: Buffer;
  readonly presented: string;
}

/** The agent's key of a connection's pool (Node sets it on the options of the request it connects for). */
function agentKeyOf(options: https.RequestOptions, name: () => string): string {
  const key: unknown = "_agentKey" in options ? options._agentKey : undefined;
  return typeof key === "string" ? key : name();
}

interface CheckedConnection {
  readonly workerId: string;
  readonly presented: string;
  readonly firstUsePool: boolean;
}

/**
 * An HTTPS agent that holds each worker's CML to its pinned certificate.
 *
 * The check runs in `createConnection`, after the TLS handshake and before the
 * agent hands the socket to the request: a request is written only on a socket
 * that passed, so a certificate that does not match never sees the password
 * (Node's `checkServerIdentity` cannot do this: with verification off it is
 * not consulted at all). Connection pools are keyed by worker and pin, so a
 * kept-alive socket checked against one pin never serves a request expecting
 * another.
 *
 * A new connection resumes the TLS session of its pool's last checked one
 * when the server still accepts it (an abbreviated handshake: no certificate
 * to send or parse, no signature to verify; 0.56 ms of client CPU against
 * 0.72 ms for a full one on Node 24). Node shows no certificate on a resumed
 * session, so each session is kept with the certificate presented on the
 * connection that was given it, and the resumed connection is checked as if
 * it presented that one: only the server that issued the session (holding its
 * ticket key, which belongs to the TLS context serving that certificate) can
 * resume it. A session whose connection was refused is not offered again.
 *
 * A worker's first contact pins the certificate it presented, and from then on
 * its requests carry that pin. They keep using the connections opened at first
 * use, which presented exactly that certificate, rather than opening a pinned
 * pool beside them: a sweep after the first would otherwise handshake again
 * with every worker, and the first-use connections left idle would crowd the
 * bound on idle connections out of every other worker's.
 *
 * With verification on (a CA bundle), the pin applies on top of it: the chain
 * must verify and the certificate must be the one pinned.
 */
export class PinningAgent extends BoundedIdleAgent {
  /**
   * First-use pins being recorded, by worker and fingerprint: the parallel
   * first requests to a worker (one look asks six questions at once) share
   * one write instead of racing six.
   */
  private readonly pinning = new Map<string, Promise<string | null>>();
  /**
   * Per worker, the certificate its first-use connections presented: every one
   * of them, since connections that presented another are closed when this changes.
   */
  private readonly firstUse = new Map<string, string>();
  /** What each checked connection presented, for which worker, and whether it lives in a first-use pool. */
  private readonly checked = new WeakMap<Duplex, CheckedConnection>();

  /**
   * Per connection pool (worker and pin), the TLS session its last checked
   * connection was given and the certificate that connection presented,
   * oldest first, at most `maxSessions` (each about 1 KB).
   */
  private readonly sessions = new Map<string, ResumableSession>();

  constructor(
    options: https.AgentOptions,
    private readonly pins: CmlCertificatePins | undefined,
    maxIdle: number,
    private readonly maxSessions: number,
    wanted?: (socket: Duplex) => boolean,
  ) {
    // Node's own session cache knows nothing of pins: sessions are kept here, beside what they were checked against.
    super({ ...options, maxCachedSessions: 0 }, maxIdle, wanted);
  }

  override getName(options?: https.RequestOptions): string {
    const name = super.getName(options);
    const expectation = options === undefined ? undefined : expectationOf(options);
    if (expectation === undefined) {
      return name;
    }
    const pool = this.servedByFirstUse(expectation) ? "first-use" : expectation.pin;
    return `${name}:${expectation.workerId}:${pool}`;
  }

  /** A request without a pin, or pinned to the certificate the worker's first-use connections presented. */
  private servedByFirstUse(expectation: CertificateExpectation): boolean {
    if (expectation.pin === null) {
      return true;
    }
    const recorded = this.firstUse.get(expectation.workerId);
    return recorded !== undefined && sameFingerprint(expectation.pin, recorded);
  }

  /** The certificate a connection presented when it was checked (null: not a checked HTTPS connection). */
  certificateOf(socket: Duplex | null | undefined): string | null {
    return socket === null || socket === undefined ? null : (this.checked.get(socket)?.presented ?? null);
  }

  // A first-use connection that presented a certificate other than the worker's latest first-use one is not kept.
  override keepSocketAlive(socket: Duplex): boolean {
    const connection = this.checked.get(socket);
    if (
      connection?.firstUsePool === true &&
      this.firstUse.get(connection.workerId) !== connection.presented
    ) {
      return false;
    }
    return super.keepSocketAlive(socket);
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const expectation = expectationOf(options);
    // The connection pool's name (the agent's key: worker and pin), under which its TLS session is kept.
    const key = expectation === undefined ? null : agentKeyOf(options, () => this.getName(options));
    const resumable = key === null ? undefined : this.sessions.get(key);
    // tls.connect reads `session` from the options the agent passes on.
    const connectOptions: https.RequestOptions & Pick<ConnectionOptions, "session"> =
      resumable === undefined ? options : { ...options, session: resumable.session };
    const socket = super.createConnection(connectOptions);
    if (
      expectation === undefined ||
      key === null ||
      callback === undefined ||
      !(socket instanceof TLSSocket)
    ) {
      return socket;
    }
    // The session the server gives (TLS 1.3 sends it after the handshake) is kept once the connection passed its
    // check, with the certificate it was checked against: whichever of the two comes last keeps it.
    let ticket: Buffer | null = null;
    let passed: string | null = null;
    socket.on("session", (session: Buffer) => {
      ticket = session;
      if (passed !== null) {
        this.keepSession(key, ticket, passed);
      }
    });
    const endpoint = endpointOf(options);
    const pool = this.servedByFirstUse(expectation) ? this.getName(options) : null;
    // The agent is answered once: with the checked socket, or with why there is none.
    let answered = false;
    const answer = (error: Error | null) => {
      if (answered) {
        return;
      }
      answered = true;
      socket.off("error", onError);
      if (error !== null) {
        socket.destroy();
      }
      // On an error the agent reads only the error; the socket is destroyed.
      callback(error, socket);
    };
    // Listening for the socket's whole check (the pin write is asynchronous): an error then must not go unheard.
    const onError = (error: Error) => answer(error);
    socket.on("error", onError);
    socket.once("secureConnect", () => {
      // A resumed session shows no certificate (Node exposes none): it is the one its session was made with.
      const resumedFrom = socket.isSessionReused() ? (resumable?.presented ?? null) : undefined;
      this.check(socket, expectation, endpoint, resumedFrom).then(
        (presented) => {
          passed = presented;
          if (ticket !== null) {
            this.keepSession(key, ticket, presented);
          }
          this.checked.set(socket, {
            workerId: expectation.workerId,
            presented,
            firstUsePool: pool !== null,
          });
          if (pool !== null) {
            this.keepAsFirstUse(pool, expectation.workerId, presented);
          }
          answer(socket.destroyed ? new CmlError("unreachable", endpoint, "connection closed") : null);
        },
        (error: unknown) => {
          // A session that led to a refused connection is not offered again.
          this.sessions.delete(key);
          answer(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
    // Asynchronous creation: the agent waits for the callback before writing anything.
    return undefined;
  }

  /**
   * Records a checked connection of a first-use pool. When its certificate is
   * not the one the pool's connections presented so far (a pin was cleared and
   * the worker pinned anew), those are closed: the pool serves the requests
   * pinned to the new one.
   */
  private keepAsFirstUse(pool: string, workerId: string, presented: string): void {
    if (this.firstUse.get(workerId) === presented) {
      return;
    }
    this.firstUse.set(workerId, presented);
    for (const idle of this.freeSockets[pool] ?? []) {
      if (this.checked.get(idle)?.presented !== presented) {
        idle.destroy();
      }
    }
  }

  /** Keeps a pool's TLS session with the certificate it was checked against, the oldest let go past the bound. */
  private keepSession(key: string, session: Buffer, presented: string): void {
    this.sessions.delete(key);
    this.sessions.set(key, { session, presented });
    while (this.sessions.size > this.maxSessions) {
      const [oldest] = this.sessions.keys();
      if (oldest === undefined) {
        break;
      }
      this.sessions.delete(oldest);
    }
  }

  /**
   * Checks a new connection's certificate, and answers the fingerprint it
   * presented. `resumedFrom`: the connection resumed a session, made on a
   * connection that presented this certificate (null: a session this agent
   * did not offer, which is refused).
   */
  private async check(
    socket: TLSSocket,
    expectation: CertificateExpectation,
    endpoint: string,
    resumedFrom: string | null | undefined,
  ): Promise<string> {
    // The X509Certificate view computes only the fingerprint asked for; getPeerCertificate() builds every field.
    const presented =
      resumedFrom === undefined
        ? normalizeFingerprint(socket.getPeerX509Certificate()?.fingerprint256 ?? "")
        : resumedFrom;
    if (presented === null) {
      throw new CmlError("protocol", endpoint, "the server presented no certificate");
    }
    if (expectation.pin !== null) {
      if (!sameFingerprint(expectation.pin, presented)) {
        throw new CmlCertificateMismatchError(endpoint, expectation.workerId, expectation.pin, presented);
      }
      return presented;
    }
    if (this.pins === undefined) {
      return presented;
    }
    // First use: record it, unless another process (or an earlier request) pinned one first.
    const stored = await this.pinFirstCertificate(this.pins, expectation.workerId, presented);
    if (stored === null) {
      throw new CmlError(
        "certificate-mismatch",
        endpoint,
        `worker ${expectation.workerId} is not known, so its certificate cannot be pinned; nothing was sent`,
      );
    }
    if (!sameFingerprint(stored, presented)) {
      throw new CmlCertificateMismatchError(endpoint, expectation.workerId, stored, presented);
    }
    return presented;
  }

  private pinFirstCertificate(
    pins: CmlCertificatePins,
    workerId: string,
    fingerprint: string,
  ): Promise<string | null> {
    const key = `${workerId} ${fingerprint}`;
    const inFlight = this.pinning.get(key);
    if (inFlight !== undefined) {
      return inFlight;
    }
    const started = pins.pinFirstCertificate(workerId, fingerprint).finally(() => this.pinning.delete(key));
    this.pinning.set(key, started);
    return started;
  }
}

/** The pinning agent, keeping at most `maxIdle` unused connections over all workers (see BoundedIdleAgent). */
export function createPinningAgent(
  options: https.AgentOptions,
  pins: CmlCertificatePins | undefined,
  maxIdle: number,
  maxSessions: number,
  wanted?: (socket: Duplex) => boolean,
): PinningAgent {
  return new PinningAgent(options, pins, maxIdle, maxSessions, wanted);
}
