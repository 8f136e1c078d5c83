/**
 * Holds a license token given to registerLicense until the job uses it: job
 * data is visible to anyone who can read the queue, so the job carries only a
 * reference, and the token is kept for a bounded time. Reading leaves it in
 * place, so a retry after a transient failure registers with the same token;
 * the job discards it once the registration succeeded or will not be tried again.
 */
export interface LicenseTokenVault {
  /** Keeps the token; answers the reference the job carries. */
  put(token: string): Promise<string>;
  /** The token, still kept; null when unknown, discarded or expired. */
  read(ref: string): Promise<string | null>;
  /** Forgets the token (nothing when it is already gone). */
  discard(ref: string): Promise<void>;
}
