import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * The admin token of a local, zero-configuration start: BOOTSTRAP_ADMIN_TOKEN
 * when set, else a token generated on the first start and kept (owner-only)
 * under the data directory, so the same token works after a restart.
 */
export function localAdminToken(
  configured: string | null,
  dataDir: string,
): { token: string; generated: boolean } {
  if (configured !== null) {
    return { token: configured, generated: false };
  }
  const file = join(dataDir, "admin-token");
  if (existsSync(file)) {
    const stored = readFileSync(file, "utf8").trim();
    if (stored.length >= 32) {
      return { token: stored, generated: false };
    }
  }
  mkdirSync(dataDir, { recursive: true });
  const token = `cmlf_${randomBytes(32).toString("base64url")}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return { token, generated: true };
}
