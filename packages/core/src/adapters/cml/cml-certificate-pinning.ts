import type https from "node:https";
import type { Duplex } from "node:stream";
import { TLSSocket } from "node:tls";
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

/**
 * An HTTPS agent that holds each worker's CML to its pinned certificate.
 *
 * The check runs in `createConnection`, after the TLS handshake and before the
 * agent hands the socket to the request: a request is written only on a socket
 * that passed, so a certificate that does not match never sees the password
 * (Node's `checkServerIdentity` cannot do this: with verification off it is
 * not consulted at all). Connection pools are keyed by worker and pin, so a
 * kept-alive socket checked against one pin never serves a request expecting
 * another. TLS sessions are not cached: a resumed session would skip the
 * handshake whose certificate is checked.
 *
 * With verification on (a CA bundle), the pin applies on top of it: the chain
 * must verify and the certificate must be the one pinned.
 */
class PinningAgent extends BoundedIdleAgent {
  /**
   * First-use pins being recorded, by worker and fingerprint: the parallel
   * first requests to a worker (one look asks six questions at once) share
   * one write instead of racing six.
   */
  private readonly pinning = new Map<string, Promise<string | null>>();

  constructor(
    options: https.AgentOptions,
    private readonly pins: CmlCertificatePins | undefined,
    maxIdle: number,
  ) {
    super({ ...options, maxCachedSessions: 0 }, maxIdle);
  }

  override getName(options?: https.RequestOptions): string {
    const name = super.getName(options);
    const expectation = options === undefined ? undefined : expectationOf(options);
    return expectation === undefined
      ? name
      : `${name}:${expectation.workerId}:${expectation.pin ?? "first-use"}`;
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const socket = super.createConnection(options);
    const expectation = expectationOf(options);
    if (expectation === undefined || callback === undefined || !(socket instanceof TLSSocket)) {
      return socket;
    }
    const endpoint = endpointOf(options);
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
      this.check(socket, expectation, endpoint).then(
        () => answer(socket.destroyed ? new CmlError("unreachable", endpoint, "connection closed") : null),
        (error: unknown) => answer(error instanceof Error ? error : new Error(String(error))),
      );
    });
    // Asynchronous creation: the agent waits for the callback before writing anything.
    return undefined;
  }

  private async check(
    socket: TLSSocket,
    expectation: CertificateExpectation,
    endpoint: string,
  ): Promise<void> {
    const presented = normalizeFingerprint(socket.getPeerCertificate().fingerprint256 ?? "");
    if (presented === null) {
      throw new CmlError("protocol", endpoint, "the server presented no certificate");
    }
    if (expectation.pin !== null) {
      if (!sameFingerprint(expectation.pin, presented)) {
        throw new CmlCertificateMismatchError(endpoint, expectation.workerId, expectation.pin, presented);
      }
      return;
    }
    if (this.pins === undefined) {
      return;
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
): BoundedIdleAgent {
  return new PinningAgent(options, pins, maxIdle);
}
