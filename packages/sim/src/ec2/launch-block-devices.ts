import type { CmlLab } from "../cml/cml-controller";
import { isWellFormedSnapshotId, snapshotStatus } from "../ebs/ebs-snapshot";
import type { SimState } from "../state/sim-state";
import { Ec2Error } from "./ec2-error";
import type { QueryParams } from "./query-params";
import { snapshotErrors } from "./snapshot-actions";

/** The root device of every simulated AMI (DescribeImages' `rootDeviceName`). */
export const SIM_ROOT_DEVICE_NAME = "/dev/sda1";

/**
 * The labs a launch's root volume brings: RunInstances'
 * `BlockDeviceMapping.N.Ebs.SnapshotId` on the root device restores the
 * snapshot's volume, so the instance's CML has the labs it had. Mappings of
 * other devices (data volumes) carry no labs. Null: the AMI's own root volume.
 * Checked before anything launches, as EC2 does.
 */
export function rootSnapshotLabs(
  params: QueryParams,
  region: string,
  state: SimState,
): readonly CmlLab[] | null {
  let labs: readonly CmlLab[] | null = null;
  for (const index of params.indices("BlockDeviceMapping")) {
    const prefix = `BlockDeviceMapping.${index}`;
    const deviceName = params.required(`${prefix}.DeviceName`);
    const snapshotId = params.string(`${prefix}.Ebs.SnapshotId`);
    if (snapshotId === undefined) {
      continue;
    }
    if (!isWellFormedSnapshotId(snapshotId)) {
      throw snapshotErrors.malformed(snapshotId);
    }
    const snapshot = state.ebs.snapshots.get(state.accountId, region, snapshotId);
    if (snapshot === undefined) {
      throw snapshotErrors.notFound([snapshotId]);
    }
    if (snapshotStatus(snapshot, state.now()) !== "completed") {
      throw new Ec2Error("IncorrectState", `Snapshot '${snapshotId}' is not 'completed'.`);
    }
    const size = params.integer(`${prefix}.Ebs.VolumeSize`);
    if (size !== undefined && size < snapshot.volumeSize) {
      throw new Ec2Error(
        "InvalidBlockDeviceMapping",
        `Volume of size ${size}GB is smaller than snapshot '${snapshotId}', expect size >= ${snapshot.volumeSize}GB`,
      );
    }
    if (deviceName === SIM_ROOT_DEVICE_NAME) {
      labs = snapshot.labs;
    }
  }
  return labs;
}
