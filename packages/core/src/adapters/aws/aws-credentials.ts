import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import type { Clock } from "../../ports/clock.port";
import type { AwsAccountAccess, StaticAwsCredentials } from "./aws-cloud-options";
import { type AwsCallPolicy, sdkClientConfig } from "./aws-sdk-config";

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string | undefined;
  readonly expiration?: Date | undefined;
}

export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

/**
 * Shares one credentials fetch between every client of an account and keeps
 * the result until `refreshMarginMs` before it expires. Concurrent callers wait
 * on the same request, so a cold start of many clients assumes the role once.
 * A failed fetch is not cached: the next call tries again.
 */
export function cacheUntilExpiry(
  provider: AwsCredentialsProvider,
  refreshMarginMs: number,
  clock: Clock,
): AwsCredentialsProvider {
  let cached: AwsCredentials | null = null;
  let inFlight: Promise<AwsCredentials> | null = null;
  const fresh = (credentials: AwsCredentials): boolean =>
    credentials.expiration === undefined ||
    credentials.expiration.getTime() - refreshMarginMs > clock.now().getTime();

  return () => {
    if (cached !== null && fresh(cached)) {
      return Promise.resolve(cached);
    }
    if (inFlight === null) {
      inFlight = provider().then(
        (credentials) => {
          cached = credentials;
          inFlight = null;
          return credentials;
        },
        (error: unknown) => {
          inFlight = null;
          throw error;
        },
      );
    }
    return inFlight;
  };
}

export interface AccountCredentialsOptions extends AwsCallPolicy {
  readonly access: AwsAccountAccess;
  readonly accountId: string;
  readonly staticCredentials: StaticAwsCredentials | undefined;
  readonly stsEndpoint: string | undefined;
  readonly stsRegion: string;
  readonly refreshMarginMs: number;
  readonly clock: Clock;
}

/**
 * The credentials one account's clients use: the base credentials (static, or
 * undefined for the SDK's default chain), or a role assumed with them and
 * cached per account.
 */
export function accountCredentials(options: AccountCredentialsOptions): AwsCredentialsProvider | undefined {
  const { access, staticCredentials } = options;
  if (access.roleArn === undefined) {
    return staticCredentials === undefined ? undefined : () => Promise.resolve(staticCredentials);
  }
  const assumeRole = fromTemporaryCredentials({
    params: {
      RoleArn: access.roleArn,
      RoleSessionName: access.sessionName ?? `cml-fleet-${options.accountId}`,
      ...(access.externalId === undefined ? {} : { ExternalId: access.externalId }),
    },
    ...(staticCredentials === undefined ? {} : { masterCredentials: staticCredentials }),
    clientConfig: sdkClientConfig(options.stsRegion, options.stsEndpoint, options),
  });
  return cacheUntilExpiry(() => assumeRole(), options.refreshMarginMs, options.clock);
}
