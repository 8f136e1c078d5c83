import { imagesIn, SIM_INSTANCE_TYPES } from "../../catalog";
import { syntheticValue } from "../../cloudwatch/metric-synth";
import { json } from "../../http/http-types";
import { COMPUTE_HEALTH_CHECKS, CONTROLLER_HEALTH_CHECKS } from "../cml-controller";
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
 * `failingChecks` fails named checks one by one: a failed compute check makes
 * the compute not valid, a failed controller check the controller block; either
 * makes the system not valid.
 */
export const systemHealth: CmlRoute = (_request, { controller }) => {
  const licensed = controller.registration === "COMPLETED";
  const healthy = controller.healthy;
  const failing = new Set<string>(controller.failingChecks);
  const computeCheck = (name: string, base = true) => base && !failing.has(name);
  const computeValid = healthy && COMPUTE_HEALTH_CHECKS.every((name) => !failing.has(name));
  const controllerValid = CONTROLLER_HEALTH_CHECKS.every((name) => !failing.has(name));
  return json(200, {
    valid: computeValid && controllerValid,
    is_licensed: licensed,
    is_enterprise: true,
    computes: {
      [controller.computeId]: {
        hostname: "cml-controller",
        is_controller: true,
        kvm_vmx_enabled: computeCheck("kvm_vmx_enabled"),
        enough_cpus: computeCheck("enough_cpus"),
        lld_connected: computeCheck("lld_connected", healthy),
        lld_synced: computeCheck("lld_synced", healthy),
        libvirt: computeCheck("libvirt"),
        fabric: computeCheck("fabric"),
        device_mux: computeCheck("device_mux"),
        refplat_images_available: computeCheck("refplat_images_available"),
        docker_shim: computeCheck("docker_shim"),
        valid: computeValid,
        admission_state: computeValid ? "READY" : "ONLINE",
      },
    },
    controller: {
      core_connected: !failing.has("core_connected"),
      nodes_loaded: !failing.has("nodes_loaded"),
      images_loaded: !failing.has("images_loaded"),
      valid: controllerValid,
    },
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
