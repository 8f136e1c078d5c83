import type { CmlLab } from "../../src/domain/worker";
import type { LicenseStatus } from "../../src/domain/worker-status";
import { CmlError } from "../../src/errors";
import type { CmlActivityEvent, CmlClient, CmlEndpoint, CmlLicensing } from "../../src/ports/cml-client.port";

export interface FakeCml {
  ready: boolean;
  reachable: boolean;
  runningNodes: number;
  labs: CmlLab[];
  license: LicenseStatus;
  activity: CmlActivityEvent[];
  /** Never answers (a hung API). */
  hang: boolean;
  /** What `system_health` says of the controller and of its computes. */
  healthy: boolean;
  /** `system_health` fails (HTTP 500) while the rest answers. */
  healthFails: boolean;
  healthCalls: number;
  licensingCalls: number;
  registerCalls: number;
  deregisterCalls: number;
}

/** CML APIs of many workers, keyed by worker id; a worker's CML is created on first use. */
export class FakeCmlClient implements CmlClient {
  readonly state = new Map<string, FakeCml>();

  of(workerId: string): FakeCml {
    let cml = this.state.get(workerId);
    if (cml === undefined) {
      cml = {
        ready: true,
        reachable: true,
        runningNodes: 0,
        labs: [],
        license: "UNREGISTERED",
        activity: [],
        hang: false,
        healthy: true,
        healthFails: false,
        healthCalls: 0,
        licensingCalls: 0,
        registerCalls: 0,
        deregisterCalls: 0,
      };
      this.state.set(workerId, cml);
    }
    return cml;
  }

  private async reach(endpoint: CmlEndpoint): Promise<FakeCml> {
    const cml = this.of(endpoint.workerId);
    if (cml.hang) {
      await new Promise(() => {});
    }
    if (!cml.reachable) {
      throw new CmlError("unreachable", endpoint.baseUrl, "connection refused");
    }
    return cml;
  }

  private licensingOf(cml: FakeCml): CmlLicensing {
    return {
      status: cml.license,
      registrationStatus: cml.license === "REGISTERED" ? "COMPLETED" : "NOT_REGISTERED",
      authorizationStatus: cml.license === "REGISTERED" ? "IN_COMPLIANCE" : "EVAL_MODE",
      nodeLimit: cml.license === "REGISTERED" ? 20 : 5,
      nodesInUse: cml.runningNodes,
      expires: null,
    };
  }

  async systemInformation(endpoint: CmlEndpoint) {
    const cml = await this.reach(endpoint);
    return { version: "2.9.0", ready: cml.ready };
  }
  async systemHealth(endpoint: CmlEndpoint) {
    const cml = await this.reach(endpoint);
    cml.healthCalls += 1;
    if (cml.healthFails) {
      throw new CmlError("protocol", endpoint.baseUrl, "GET /system_health answered HTTP 500", 500);
    }
    return { valid: cml.healthy, isLicensed: cml.license === "REGISTERED", computesValid: cml.healthy };
  }
  async systemStats(endpoint: CmlEndpoint) {
    const cml = await this.reach(endpoint);
    return { cpuPercent: 3, memoryPercent: 20, runningNodes: cml.runningNodes, totalNodes: cml.runningNodes };
  }
  async licensing(endpoint: CmlEndpoint) {
    const cml = await this.reach(endpoint);
    cml.licensingCalls += 1;
    return this.licensingOf(cml);
  }
  async registerLicense(endpoint: CmlEndpoint, token: string) {
    const cml = await this.reach(endpoint);
    cml.registerCalls += 1;
    if (token.startsWith("bad")) {
      throw new CmlError("bad-token", endpoint.baseUrl, "invalid token", 400);
    }
    cml.license = "REGISTERED";
    return this.licensingOf(cml);
  }
  async deregisterLicense(endpoint: CmlEndpoint) {
    const cml = await this.reach(endpoint);
    cml.deregisterCalls += 1;
    if (cml.runningNodes > 0) {
      throw new CmlError("refused", endpoint.baseUrl, "Cannot de-register when nodes are running", 400);
    }
    cml.license = "UNREGISTERED";
    return { localOnly: false };
  }
  async labs(endpoint: CmlEndpoint) {
    return [...(await this.reach(endpoint)).labs];
  }
  async stopLab(endpoint: CmlEndpoint, labId: string) {
    const cml = await this.reach(endpoint);
    cml.labs = cml.labs.map((lab) => (lab.id === labId ? { ...lab, state: "STOPPED" } : lab));
    if (cml.labs.every((lab) => lab.state === "STOPPED")) {
      cml.runningNodes = 0;
    }
  }
  async activity(endpoint: CmlEndpoint, since: Date | null) {
    const cml = await this.reach(endpoint);
    return cml.activity.filter((event) => since === null || event.at > since);
  }
  forget(): void {}
}
