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
