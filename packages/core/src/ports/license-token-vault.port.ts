/**
 * Holds a license token given to registerLicense until the job uses it: job
 * data is visible to anyone who can read the queue, so the job carries only a
 * reference, and the token is kept for a bounded time and read once.
 */
export interface LicenseTokenVault {
  /** Keeps the token; answers the reference the job carries. */
  put(token: string): Promise<string>;
  /** The token, removed on reading; null when unknown or expired. */
  take(ref: string): Promise<string | null>;
}
