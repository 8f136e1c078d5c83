import type { CloudProvider } from "../ports/cloud-provider.port";

/**
 * Every method of `cloud`, called on `cloud`: the base a decorator of the
 * port spreads and then overrides the few methods it changes. Listed one by
 * one, so a method added to the port fails to compile here until it is passed on.
 */
export function delegateCloud(cloud: CloudProvider): CloudProvider {
  return {
    launch: (request) => cloud.launch(request),
    start: (target, instanceId) => cloud.start(target, instanceId),
    stop: (target, instanceId) => cloud.stop(target, instanceId),
    terminate: (target, instanceId) => cloud.terminate(target, instanceId),
    reboot: (target, instanceId) => cloud.reboot(target, instanceId),
    describe: (target, instanceId) => cloud.describe(target, instanceId),
    describeFleet: (target) => cloud.describeFleet(target),
    describeMany: (target, instanceIds) => cloud.describeMany(target, instanceIds),
    statusChecks: (target, instanceIds) => cloud.statusChecks(target, instanceIds),
    setTags: (target, instanceIds, tags) => cloud.setTags(target, instanceIds, tags),
    deleteTags: (target, instanceIds, keys) => cloud.deleteTags(target, instanceIds, keys),
    findImages: (target, namePattern) => cloud.findImages(target, namePattern),
    metrics: (target, instanceIds, window) => cloud.metrics(target, instanceIds, window),
    publishMetrics: (target, namespace, data) => cloud.publishMetrics(target, namespace, data),
    rootVolumeOf: (target, instanceId) => cloud.rootVolumeOf(target, instanceId),
    createSnapshot: (request) => cloud.createSnapshot(request),
    describeSnapshot: (target, snapshotId) => cloud.describeSnapshot(target, snapshotId),
    findSnapshots: (target, tags) => cloud.findSnapshots(target, tags),
    deleteSnapshot: (target, snapshotId) => cloud.deleteSnapshot(target, snapshotId),
  };
}
