/** How the fleet's SDK clients call AWS; the same for EC2, CloudWatch and STS. */
export interface AwsCallPolicy {
  /** Total attempts per call including the first (SDK adaptive retry). */
  readonly maxAttempts: number;
  readonly requestTimeoutMs: number;
  readonly connectionTimeoutMs: number;
}

/** The configuration every SDK client of the fleet is built with (credentials aside). */
export function sdkClientConfig(region: string, endpoint: string | undefined, policy: AwsCallPolicy) {
  return {
    region,
    maxAttempts: policy.maxAttempts,
    // Adaptive: the client slows itself down when AWS throttles, instead of retrying into the limit.
    retryMode: "adaptive",
    requestHandler: {
      requestTimeout: policy.requestTimeoutMs,
      connectionTimeout: policy.connectionTimeoutMs,
      // Without it a request timeout is only logged and the call waits on.
      throwOnRequestTimeout: true,
    },
    ...(endpoint === undefined ? {} : { endpoint }),
  };
}
