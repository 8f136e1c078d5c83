import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";
import { CloudError } from "../../errors";
import type { CallObserver } from "../../ports/call-observer.port";
import type { Clock } from "../../ports/clock.port";
import type { CloudTarget } from "../../ports/cloud-provider.port";
import { observeAwsCalls } from "./aws-call-observer";
import type { AwsAccountAccess, AwsEndpointOverrides, StaticAwsCredentials } from "./aws-cloud-options";
import { type AwsCredentialsProvider, accountCredentials } from "./aws-credentials";
import { type AwsCallPolicy, sdkClientConfig } from "./aws-sdk-config";

export interface AwsClientCacheOptions extends AwsCallPolicy {
  readonly accounts: Readonly<Record<string, AwsAccountAccess>>;
  readonly staticCredentials: StaticAwsCredentials | undefined;
  readonly endpoints: AwsEndpointOverrides;
  readonly credentialRefreshMarginMs: number;
  readonly clock: Clock;
  readonly observer?: CallObserver | undefined;
}

/**
 * One SDK client per (account, region, service), created on first use and
 * reused: each client owns a keep-alive connection pool and its adaptive retry
 * token bucket, both of which only help when the client lives on.
 */
export interface AwsClientCache {
  ec2(target: CloudTarget): EC2Client;
  cloudwatch(target: CloudTarget): CloudWatchClient;
  /** How many clients were created so far (observability and tests). */
  readonly createdCount: number;
  /** Closes every client's connection pool. */
  destroy(): void;
}

export function createAwsClientCache(options: AwsClientCacheOptions): AwsClientCache {
  const ec2Clients = new Map<string, EC2Client>();
  const cloudwatchClients = new Map<string, CloudWatchClient>();
  const credentialsByAccount = new Map<string, AwsCredentialsProvider | undefined>();
  let createdCount = 0;

  const credentialsFor = (accountId: string): AwsCredentialsProvider | undefined => {
    if (credentialsByAccount.has(accountId)) {
      return credentialsByAccount.get(accountId);
    }
    const access = options.accounts[accountId] ?? (accountId === "default" ? {} : undefined);
    if (access === undefined) {
      throw new CloudError(
        "invalid-parameter",
        "sts",
        "UnknownAccount",
        `account ${accountId} is not configured`,
        null,
      );
    }
    const provider = accountCredentials({
      access,
      accountId,
      staticCredentials: options.staticCredentials,
      stsEndpoint: options.endpoints.sts,
      // Credentials are per account, not per region: one STS region serves every client of the account.
      stsRegion: "us-east-1",
      maxAttempts: options.maxAttempts,
      requestTimeoutMs: options.requestTimeoutMs,
      connectionTimeoutMs: options.connectionTimeoutMs,
      refreshMarginMs: options.credentialRefreshMarginMs,
      clock: options.clock,
    });
    credentialsByAccount.set(accountId, provider);
    return provider;
  };

  const commonConfig = (target: CloudTarget, endpoint: string | undefined) => {
    const credentials = credentialsFor(target.accountId);
    return {
      ...sdkClientConfig(target.region, endpoint, options),
      ...(credentials === undefined ? {} : { credentials }),
    };
  };

  function cached<C>(clients: Map<string, C>, target: CloudTarget, create: () => C): C {
    const key = `${target.accountId}|${target.region}`;
    const existing = clients.get(key);
    if (existing !== undefined) {
      return existing;
    }
    const client = create();
    clients.set(key, client);
    createdCount += 1;
    return client;
  }

  const observed = <C extends EC2Client | CloudWatchClient>(client: C, upstream: "ec2" | "cloudwatch"): C => {
    if (options.observer !== undefined) {
      observeAwsCalls(client, upstream, options.observer);
    }
    return client;
  };

  return {
    ec2: (target) =>
      cached(ec2Clients, target, () =>
        observed(new EC2Client(commonConfig(target, options.endpoints.ec2)), "ec2"),
      ),
    cloudwatch: (target) =>
      cached(cloudwatchClients, target, () =>
        observed(new CloudWatchClient(commonConfig(target, options.endpoints.cloudwatch)), "cloudwatch"),
      ),
    get createdCount() {
      return createdCount;
    },
    destroy() {
      for (const client of [...ec2Clients.values(), ...cloudwatchClients.values()]) {
        client.destroy();
      }
      ec2Clients.clear();
      cloudwatchClients.clear();
    },
  };
}
