import type { Role } from "@cml-fleet/core/domain/role";
import { NotFoundError, ValidationError } from "@cml-fleet/core/errors";
import type { AuditLog } from "@cml-fleet/core/ports/audit-log.port";
import type { Clock } from "@cml-fleet/core/ports/clock.port";
import { successAudit } from "@cml-fleet/core/services/request-audit";
import {
  type ApiToken,
  type ApiTokenRepository,
  hashTokenSecret,
} from "@cml-fleet/platform/repositories/api-token.repository";
import type { Principal } from "../auth/principal";
import { generateTokenSecret } from "../auth/token-secret";

export interface ApiTokenServiceDeps {
  readonly tokens: ApiTokenRepository;
  readonly audit: AuditLog;
  readonly clock: Clock;
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

    async revoke(by: Principal, id: string): Promise<ApiToken> {
      if (!UUID.test(id)) {
        throw new NotFoundError("API token", id);
      }
      return audited(by, "revokeApiToken", { id }, () => deps.tokens.revoke(id, deps.clock.now()));
    },

    /** BOOTSTRAP_ADMIN_TOKEN: makes sure an ADMIN token with this secret exists (created or updated). */
    async ensureBootstrapToken(secret: string): Promise<ApiToken> {
      return deps.tokens.upsertBootstrap(hashTokenSecret(secret), BOOTSTRAP_TOKEN_NAME, deps.clock.now());
    },
  };
}

export type ApiTokenService = ReturnType<typeof createApiTokenService>;
