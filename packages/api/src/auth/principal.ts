import type { Requester } from "@cml-fleet/core/domain/requester";

/** Who is calling, once a credential has been checked; core's services take it as the requester. */
export interface Principal extends Requester {
  /** Token id, or `oidc:<subject>` for an OIDC bearer token. */
  readonly id: string;
  readonly via: "api-token" | "oidc";
  /**
   * When the credential stops being good on its own: a JWT's `exp`. Null for
   * an API token, which lasts until it is revoked. Sockets and streams opened
   * with it end then.
   */
  readonly expiresAt: Date | null;
}
