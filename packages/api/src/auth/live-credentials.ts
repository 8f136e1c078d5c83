import type { Clock } from "@cml-fleet/core/ports/clock.port";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { FleetPubSub } from "@cml-fleet/platform/pubsub/fleet-pubsub";
import { type CredentialRevocation, isCredentialRevocation, TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { LIVE_CONNECTION_LIMITS } from "./credential-limits";
import type { Principal } from "./principal";

/** Why a socket or stream is being ended by the server. */
export type LiveEndingCause = "revoked" | "role-changed" | "expired";

export interface LiveEnding {
  readonly cause: LiveEndingCause;
  /** Said to the client (a close reason, an error message): what happened and what to do. */
  readonly message: string;
}

/** A WebSocket connection or an SSE stream, as far as ending it goes. */
export interface LiveConnection {
  end(ending: LiveEnding): void;
  /** Checks the credential it was opened with again: how it must end, or null while it is still good. */
  recheck(): Promise<LiveEnding | null>;
}

export interface LiveHold {
  /** The connection has ended: forget it and its expiry timer. Idempotent. */
  release(): void;
}

/**
 * The live connections of this API process, by credential. A credential's
 * connections end when any replica revokes it (a message on the shared
 * pub/sub stream) and when the credential expires (a JWT's `exp`).
 */
export interface LiveCredentials {
  /**
   * Holds `connection` under its principal's credential until released, and
   * ends it when the credential expires; null when the credential already
   * holds {@link LIVE_CONNECTION_LIMITS.connectionsPerCredential} here.
   */
  hold(principal: Principal, connection: LiveConnection): LiveHold | null;
  /**
   * Ends the credential's connections here and on every other replica.
   * Resolves once Redis has the message; a Redis failure is logged, not
   * thrown: the revocation itself is already stored, and every new
   * operation checks the credential again.
   */
  revoke(revocation: CredentialRevocation): Promise<void>;
  /**
   * Calls `listener` with every revocation this process hears of, its own
   * and other replicas', in the tick it is heard (before it is published, for
   * its own); returns the function that stops it.
   */
  onRevoked(listener: (revocation: CredentialRevocation) => void): () => void;
  /** Connections the credential holds on this process. */
  heldBy(credentialId: string): number;
  /** Stops listening for revocations (before the pub/sub stream is drained and Redis closed). */
  close(): void;
}

export interface LiveCredentialsDeps {
  readonly pubsub: Pick<FleetPubSub, "listen" | "publishConfirmed">;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Defaults to {@link LIVE_CONNECTION_LIMITS.connectionsPerCredential}. */
  readonly connectionsPerCredential?: number;
  /** Defaults to {@link LIVE_CONNECTION_LIMITS.recheckEveryMs}. */
  readonly recheckEveryMs?: number | undefined;
}

/** setTimeout takes at most 2^31-1 ms (about 24.8 days); a later expiry is waited for in steps. */
const LONGEST_TIMER_MS = 2_147_483_647;

export function createLiveCredentials(deps: LiveCredentialsDeps): LiveCredentials {
  const limit = deps.connectionsPerCredential ?? LIVE_CONNECTION_LIMITS.connectionsPerCredential;
  const byCredential = new Map<string, Set<LiveConnection>>();
  const revocationListeners = new Set<(revocation: CredentialRevocation) => void>();

  function forget(credentialId: string, connection: LiveConnection): void {
    const held = byCredential.get(credentialId);
    held?.delete(connection);
    if (held?.size === 0) {
      byCredential.delete(credentialId);
    }
  }

  function endAll(credentialId: string, ending: LiveEnding): number {
    const held = byCredential.get(credentialId);
    if (held === undefined) {
      return 0;
    }
    byCredential.delete(credentialId);
    for (const connection of held) {
      try {
        connection.end(ending);
      } catch (error) {
        deps.logger.warn({ err: error, credentialId }, "ending a live connection failed");
      }
    }
    return held.size;
  }

  function endRevoked(revocation: CredentialRevocation): void {
    for (const listener of revocationListeners) {
      listener(revocation);
    }
    const ended = endAll(revocation.credentialId, revocationEnding(revocation));
    if (ended > 0) {
      deps.logger.info(
        { credentialId: revocation.credentialId, cause: revocation.cause, ended },
        "ended the live connections of a revoked credential",
      );
    }
  }

  /** One check per credential: its connections were all opened with the same secret. */
  async function recheckAll(): Promise<void> {
    for (const [credentialId, held] of [...byCredential]) {
      const [connection] = held;
      if (connection === undefined) {
        continue;
      }
      let ending: LiveEnding | null;
      try {
        ending = await connection.recheck();
      } catch (error) {
        // The store being down is no reason to drop every connection: each new operation is checked anyway.
        deps.logger.warn({ err: error, credentialId }, "could not check a live credential again");
        continue;
      }
      if (ending !== null) {
        deps.logger.info({ credentialId, cause: ending.cause }, "a live credential no longer checks out");
        endAll(credentialId, ending);
      }
    }
  }

  // A slow round (the database is slow) is not overlapped by the next one.
  let rechecking = false;
  const recheckTimer = setInterval(() => {
    if (rechecking) {
      return;
    }
    rechecking = true;
    void recheckAll().finally(() => {
      rechecking = false;
    });
  }, deps.recheckEveryMs ?? LIVE_CONNECTION_LIMITS.recheckEveryMs);
  recheckTimer.unref();

  // Acted on in the tick Redis delivers it, before any event published after it can reach a subscriber.
  const stopListening = deps.pubsub.listen(TOPICS.credentialRevoked, (payload) => {
    if (isCredentialRevocation(payload)) {
      endRevoked(payload);
    } else {
      deps.logger.warn({ topic: TOPICS.credentialRevoked }, "ignored a malformed credential revocation");
    }
  });

  return {
    hold(principal, connection) {
      let held = byCredential.get(principal.id);
      if (held === undefined) {
        held = new Set();
        byCredential.set(principal.id, held);
      }
      if (held.size >= limit) {
        return null;
      }
      held.add(connection);
      const expiry = principal.expiresAt === null ? null : expiryTimer(principal.expiresAt);
      let released = false;

      function expiryTimer(expiresAt: Date): { cancel(): void } {
        let timer: NodeJS.Timeout;
        const arm = () => {
          const wait = expiresAt.getTime() - deps.clock.now().getTime();
          timer =
            wait > LONGEST_TIMER_MS
              ? setTimeout(arm, LONGEST_TIMER_MS)
              : setTimeout(
                  () => {
                    forget(principal.id, connection);
                    connection.end({
                      cause: "expired",
                      message: `credential expired at ${expiresAt.toISOString()}: connect again with a fresh token`,
                    });
                  },
                  Math.max(0, wait),
                );
          // An open connection, not this timer, is what keeps the process alive.
          timer.unref();
        };
        arm();
        return { cancel: () => clearTimeout(timer) };
      }

      return {
        release() {
          if (released) {
            return;
          }
          released = true;
          expiry?.cancel();
          forget(principal.id, connection);
        },
      };
    },

    async revoke(revocation) {
      endRevoked(revocation);
      try {
        await deps.pubsub.publishConfirmed(TOPICS.credentialRevoked, revocation);
      } catch (error) {
        deps.logger.error(
          { err: error, credentialId: revocation.credentialId },
          "could not tell the other API replicas of a revoked credential; their open connections stay until they next check it",
        );
      }
    },

    onRevoked(listener) {
      revocationListeners.add(listener);
      return () => {
        revocationListeners.delete(listener);
      };
    },

    heldBy: (credentialId) => byCredential.get(credentialId)?.size ?? 0,

    close() {
      clearInterval(recheckTimer);
      stopListening();
    },
  };
}

function revocationEnding(revocation: CredentialRevocation): LiveEnding {
  switch (revocation.cause) {
    case "revoked":
      return { cause: "revoked", message: "credential revoked: it no longer works; use another token" };
    case "role-changed":
      return {
        cause: "role-changed",
        message: "credential's role changed: connect again to continue with the new role",
      };
  }
}
