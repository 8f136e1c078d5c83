import { imagesIn, SIM_INSTANCE_TYPES } from "../../catalog";
import { syntheticValue } from "../../cloudwatch/metric-synth";
import { json } from "../../http/http-types";
import type { CmlRoute } from "./route-context";

const GIB = 1024 ** 3;

export const systemInformation: CmlRoute = (_request, { instance, service }) => {
  const version =
    imagesIn(instance.region).find((image) => image.imageId === instance.imageId)?.cmlVersion ?? "2.9.0";
  return json(200, {
    version,
    ready: service.isReady(instance),
    allow_ssh_pubkey_auth: false,
    oui: "52:54:00:00:00:00",
    hostname: instance.tags.get("Name") ?? `cml-${instance.instanceId}`,
    product: "CML",
  });
};

/**
 * CML's verdict on itself. An unhealthy controller (`healthy: false` through the
 * control API) reports what a controller whose node service lost its compute
 * does: the compute's node-handling checks fail, it is no longer admitted to
 * start nodes (`ONLINE` rather than `READY`), and neither it nor the system is
 * valid. The controller's own services stay up, so its block stays valid.
 */
export const systemHealth: CmlRoute = (_request, { controller }) => {
  const licensed = controller.registration === "COMPLETED";
  const healthy = controller.healthy;
  return json(200, {
    valid: healthy,
    is_licensed: licensed,
    is_enterprise: true,
    computes: {
      [controller.computeId]: {
        hostname: "cml-controller",
        is_controller: true,
        kvm_vmx_enabled: true,
        enough_cpus: true,
        lld_connected: healthy,
        lld_synced: healthy,
        libvirt: true,
        fabric: true,
        device_mux: true,
        refplat_images_available: true,
        docker_shim: true,
        valid: healthy,
        admission_state: healthy ? "READY" : "ONLINE",
      },
    },
    controller: { core_connected: true, nodes_loaded: true, images_loaded: true, valid: true },
  });
};

export const systemStats: CmlRoute = (_request, { instance, controller, service }) => {
  const type = SIM_INSTANCE_TYPES[instance.instanceType] ?? { vcpus: 8, memoryGiB: 32 };
  const load = service.loadOf(instance);
  const minute = Math.floor(service.state.now() / 60_000) * 60;
  const cpuPercent = syntheticValue(instance, load, "AWS/EC2|CPUUtilization", minute, 60, "Average");
  const memPercent = syntheticValue(instance, load, "CWAgent|mem_used_percent", minute, 60, "Average");
  const memoryTotal = type.memoryGiB * GIB;
  const memoryUsed = Math.round((memoryTotal * memPercent) / 100);
  const diskTotal = 500 * GIB;
  const diskUsed = Math.round(diskTotal * 0.18);
  const stats = {
    cpu: {
      count: type.vcpus,
      percent: cpuPercent,
      load: [cpuPercent / 100, cpuPercent / 100, cpuPercent / 100],
    },
    memory: { total: memoryTotal, free: memoryTotal - memoryUsed, used: memoryUsed },
    disk: { total: diskTotal, free: diskTotal - diskUsed, used: diskUsed },
  };
  let totalNodes = controller.runningNodes;
  for (const lab of controller.labs.values()) {
    totalNodes += lab.state === "STARTED" ? 0 : lab.nodeCount;
  }
  return json(200, {
    all: stats,
    computes: {
      [controller.computeId]: {
        hostname: "cml-controller",
        is_controller: true,
        stats: {
          ...stats,
          dominfo: {
            allocated_cpus: controller.runningNodes,
            allocated_memory: controller.runningNodes * 2048,
            total_nodes: totalNodes,
            total_orphans: 0,
            running_nodes: controller.runningNodes,
            running_orphans: 0,
          },
        },
      },
    },
  });
};
