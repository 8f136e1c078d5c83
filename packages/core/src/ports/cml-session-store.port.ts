/**
 * A CML sign-in shared by the job processes. A sweep's shards go to whichever
 * process is free, so a worker is often asked by another process than last
 * time; without a shared sign-in each such look began with a login (a
 * password check on the controller, one more request on both sides).
 */
export interface SharedCmlSession {
  /** The address the login was made at: a worker started again elsewhere needs its own. */
  readonly baseUrl: string;
  /** The certificate pin the login was made under (null: first use). */
  readonly certificatePin: string | null;
  /** The certificate the login's connection presented (null over plain HTTP). */
  readonly certificate: string | null;
  readonly token: string;
  /** The service account's user id on that CML (activity polling leaves its own requests out by it). */
  readonly userId: string;
}

export interface CmlSessionStore {
  /** The sign-in kept for a worker, or null. */
  get(workerId: string): Promise<SharedCmlSession | null>;
  /** Keeps a sign-in for at most `ttlMs` (the token's own lifetime, or less). */
  put(workerId: string, session: SharedCmlSession, ttlMs: number): Promise<void>;
  /** Forgets a worker's sign-in; with `token`, only while the kept one still carries that token (CML refused it). */
  delete(workerId: string, token?: string): Promise<void>;
}
