import { RebootInstancesCommand } from "@aws-sdk/client-ec2";
import type { CloudTarget } from "../../ports/cloud-provider.port";
import type { AwsClientCache } from "./aws-client-cache";
import { callAws } from "./aws-error-mapping";

/**
 * Asks EC2 to reboot one instance (RebootInstances). EC2 answers at once and
 * reboots in the background; the instance stays `running` throughout, so the
 * caller watches the status checks and CML, not the instance state.
 */
export async function rebootInstance(
  clients: AwsClientCache,
  target: CloudTarget,
  instanceId: string,
): Promise<void> {
  const client = clients.ec2(target);
  await callAws("ec2", () => client.send(new RebootInstancesCommand({ InstanceIds: [instanceId] })));
}
