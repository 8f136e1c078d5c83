import { createHash } from "node:crypto";
import type { Role } from "@cml-fleet/core/domain/role";
import { NotFoundError } from "@cml-fleet/core/errors";
import { and, asc, eq, isNull, lt, ne, or, sql } from "drizzle-orm";
import type { Db } from "../db/database";
import { type ApiTokenRow, apiTokens } from "../db/schema/tokens";

export interface ApiToken {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: Date;
  readonly lastUsedAt: Date | null;
  readonly revokedAt: Date | null;
}

export interface BootstrapToken {
  readonly token: ApiToken;
  /** Ids of the tokens of the same name this call revoked (a previous bootstrap secret). */
  readonly retired: readonly string[];
}

export interface NewApiToken {
  readonly name: string;
  readonly role: Role;
  /** {@link hashTokenSecret} of the secret, which is never stored. */
  readonly tokenHash: string;
  readonly createdAt: Date;
}

export interface ApiTokenRepository {
  create(token: NewApiToken): Promise<ApiToken>;
  /** The token with this hash unless it is revoked. */
  findActiveByHash(tokenHash: string): Promise<ApiToken | null>;
  /** Every token, revoked ones included, oldest first. */
  list(): Promise<ApiToken[]>;
  /** Revokes a token (a second revoke keeps the first instant); throws NotFoundError for an unknown id. */
  revoke(id: string, at: Date): Promise<ApiToken>;
  /** Records a use; writes at most once a minute per token, so authenticating stays read-mostly. */
  touchLastUsed(id: string, at: Date): Promise<void>;
  /**
   * Makes the bootstrap secret an ADMIN token named `name`, and revokes other
   * tokens of that name, so changing BOOTSTRAP_ADMIN_TOKEN retires the old
   * value (`retired` lists them). A secret that was revoked stays revoked: an
   * ADMIN's revocation outlives restarts, and the result says so.
   */
  upsertBootstrap(tokenHash: string, name: string, at: Date): Promise<BootstrapToken>;
}

/** SHA-256 (hex) of a token secret: secrets are long and random, so no salt or slow hash is needed. */
export function hashTokenSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TOUCH_INTERVAL = sql`interval '1 minute'`;

export function createApiTokenRepository(db: Db): ApiTokenRepository {
  // Every authenticated request runs it: built once, and a named statement Postgres parses once per connection.
  const activeByHash = db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, sql.placeholder("tokenHash")), isNull(apiTokens.revokedAt)))
    .prepare("api_token_active_by_hash");

  return {
    async create(token) {
      const [row] = await db.insert(apiTokens).values(token).returning();
      return toApiToken(required(row, "api token", token.name));
    },

    async findActiveByHash(tokenHash) {
      const [row] = await activeByHash.execute({ tokenHash });
      return row === undefined ? null : toApiToken(row);
    },

    async list() {
      const rows = await db.select().from(apiTokens).orderBy(asc(apiTokens.createdAt), asc(apiTokens.id));
      return rows.map(toApiToken);
    },

    async revoke(id, at) {
      // Ids are UUIDs; anything else would make Postgres reject the statement instead of finding nothing.
      if (!UUID.test(id)) {
        throw new NotFoundError("api token", id);
      }
      const [row] = await db
        .update(apiTokens)
        .set({ revokedAt: sql`coalesce(${apiTokens.revokedAt}, ${at.toISOString()}::timestamptz)` })
        .where(eq(apiTokens.id, id))
        .returning();
      return toApiToken(required(row, "api token", id));
    },

    async touchLastUsed(id, at) {
      const stamp = sql`${at.toISOString()}::timestamptz`;
      await db
        .update(apiTokens)
        .set({ lastUsedAt: stamp })
        .where(
          and(
            eq(apiTokens.id, id),
            or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, sql`${stamp} - ${TOUCH_INTERVAL}`)),
          ),
        );
    },

    async upsertBootstrap(tokenHash, name, at) {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .insert(apiTokens)
          .values({ name, role: "ADMIN", tokenHash, createdAt: at })
          // revokedAt is left alone: restarting must not undo an ADMIN's revocation.
          .onConflictDoUpdate({ target: apiTokens.tokenHash, set: { name, role: "ADMIN" } })
          .returning();
        const retired = await tx
          .update(apiTokens)
          .set({ revokedAt: at })
          .where(
            and(eq(apiTokens.name, name), ne(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)),
          )
          .returning({ id: apiTokens.id });
        return {
          token: toApiToken(required(row, "api token", name)),
          retired: retired.map((token) => token.id),
        };
      });
    },
  };
}

function required(row: ApiTokenRow | undefined, entity: string, id: string): ApiTokenRow {
  if (row === undefined) {
    throw new NotFoundError(entity, id);
  }
  return row;
}

function toApiToken(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}
