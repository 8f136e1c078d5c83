import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { EC2Client } from "@aws-sdk/client-ec2";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

const credentials = { accessKeyId: "AKIASIMULATOR0000000", secretAccessKey: "simulator-secret" };

export function ec2Client(endpoint: string, region = "us-east-1", maxAttempts = 1): EC2Client {
  return new EC2Client({ endpoint, region, credentials, maxAttempts });
}

export function cloudWatchClient(endpoint: string, region = "us-east-1", maxAttempts = 1): CloudWatchClient {
  return new CloudWatchClient({ endpoint, region, credentials, maxAttempts });
}

/** Polls `probe` until it returns a value other than undefined (generous for a loaded machine). */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`condition not met within ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
