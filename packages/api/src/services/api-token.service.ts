import type { Role } from "@cml-fleet/core/domain/role";
import { NotFoundError, ValidationError } from "@cml-fleet/core/errors";
import type { AuditLog } from "@cml-fleet/core/ports/audit-log.port";
import type { Clock } from "@cml-fleet/core/ports/clock.port";
import type { Logger } from "@cml-fleet/core/ports/logger.port";
import { successAudit } from "@cml-fleet/core/services/request-audit";
import {
  type ApiToken,
  type ApiTokenRepository,
  hashTokenSecret,
} from "@cml-fleet/platform/repositories/api-token.repository";
import type { LiveCredentials } from "../auth/live-credentials";
import type { Principal } from "../auth/principal";
import { generateTokenSecret } from "../auth/token-secret";

export interface ApiTokenServiceDeps {
  readonly tokens: ApiTokenRepository;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Ends a revoked token's open sockets and streams, on every API replica. */
  readonly live: Pick<LiveCredentials, "revoke">;
}

export interface CreatedApiToken {
  /** The secret: returned here once, stored only as a hash. */
  readonly token: string;
  readonly apiToken: ApiToken;
}

export const BOOTSTRAP_TOKEN_NAME = "bootstrap-admin";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOKEN_NAME = /^[\p{L}\p{N} ._@-]{1,64}$/u;

export function createApiTokenService(deps: ApiTokenServiceDeps) {
  async function audited<T>(
    by: Principal,
    operation: string,
    args: Record<string, unknown>,
    work: () => Promise<T>,
  ): Promise<T> {
    const result = await work();
    await deps.audit.record(successAudit(by, operation, args, deps.clock.now()));
    return result;
  }

  return {
    async create(by: Principal, name: string, role: Role): Promise<CreatedApiToken> {
      const trimmed = name.trim();
      if (!TOKEN_NAME.test(trimmed)) {
        throw new ValidationError(
          "name",
          "must be 1-64 characters: letters, digits, spaces, '.', '_', '@' or '-'",
        );
      }
      return audited(by, "createApiToken", { name: trimmed, role }, async () => {
        const token = generateTokenSecret();
        const apiToken = await deps.tokens.create({
          name: trimmed,
          role,
          tokenHash: hashTokenSecret(token),
          createdAt: deps.clock.now(),
        });
        return { token, apiToken };
      });
    },

    list(): Promise<ApiToken[]> {
      return deps.tokens.list();
    },

    /** Revokes a token; its open sockets and streams end on every replica before this answers. */
    async revoke(by: Principal, id: string): Promise<ApiToken> {
      if (!UUID.test(id)) {
        throw new NotFoundError("API token", id);
      }
      const revoked = await audited(by, "revokeApiToken", { id }, () =>
        deps.tokens.revoke(id, deps.clock.now()),
      );
      await deps.live.revoke({ credentialId: revoked.id, cause: "revoked" });
      return revoked;
    },

    /**
     * BOOTSTRAP_ADMIN_TOKEN: makes sure an ADMIN token with this secret exists,
     * and retires the previous bootstrap secret. A secret an ADMIN revoked
     * stays revoked across restarts (else revoking a leaked bootstrap token
     * would last only until the next deploy); the log says how to choose another.
     */
    async ensureBootstrapToken(secret: string): Promise<ApiToken> {
      const { token, retired } = await deps.tokens.upsertBootstrap(
        hashTokenSecret(secret),
        BOOTSTRAP_TOKEN_NAME,
        deps.clock.now(),
      );
      for (const credentialId of retired) {
        await deps.live.revoke({ credentialId, cause: "revoked" });
      }
      if (token.revokedAt !== null) {
        deps.logger.warn(
          { tokenId: token.id, revokedAt: token.revokedAt },
          "BOOTSTRAP_ADMIN_TOKEN was revoked by an ADMIN and stays revoked: it gives no access. Set BOOTSTRAP_ADMIN_TOKEN to a new secret (e.g. `openssl rand -base64 32`) and restart to get an ADMIN token again, or use another ADMIN token.",
        );
      }
      return token;
    },
  };
}

export type ApiTokenService = ReturnType<typeof createApiTokenService>;
