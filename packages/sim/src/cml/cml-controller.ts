import { createHmac, randomBytes, randomUUID } from "node:crypto";
import type { ScheduledTask } from "../state/scheduler";
import type { SimCertificate } from "./tls";

/** The checks `system_health` reports per compute (docs/cml-api.md). */
export const COMPUTE_HEALTH_CHECKS = [
  "kvm_vmx_enabled",
  "enough_cpus",
  "lld_connected",
  "lld_synced",
  "libvirt",
  "fabric",
  "device_mux",
  "refplat_images_available",
  "docker_shim",
] as const;
/** The checks of its `controller` block. */
export const CONTROLLER_HEALTH_CHECKS = ["core_connected", "nodes_loaded", "images_loaded"] as const;
export const HEALTH_CHECK_NAMES = [...COMPUTE_HEALTH_CHECKS, ...CONTROLLER_HEALTH_CHECKS] as const;
export type HealthCheckName = (typeof HEALTH_CHECK_NAMES)[number];

export type LabState = "STARTED" | "STOPPED" | "DEFINED_ON_CORE" | "QUEUED" | "BOOTED";

export interface CmlLab {
  readonly id: string;
  title: string;
  state: string;
  nodeCount: number;
  readonly created: string;
  modified: string;
}

export interface CmlEvent {
  readonly category: string;
  /** ISO 8601 without zone (UTC), as CML writes it. */
  readonly timestamp: string;
  readonly data: { readonly user_id: string; readonly lab_id?: string };
}

export type RegistrationStatus = "NOT_REGISTERED" | "IN_PROGRESS" | "COMPLETED" | "FAILED";

/** Events kept per controller; CML keeps more, but the fleet only needs the recent window. */
const MAX_EVENTS = 1000;

export function cmlTimestamp(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/Z$/, "");
}

/** The ids a controller keeps for life (and across a simulator restart). */
export interface CmlIdentity {
  /** The service account's user id: what `user_activity` events of the fleet's own calls carry. */
  readonly serviceUserId: string;
  /** A different user, whose activity is what the idle policy must notice. */
  readonly studentUserId: string;
  readonly computeId: string;
}

/** The state of one simulated CML controller (lives as long as its instance). */
export class CmlController implements CmlIdentity {
  readonly serviceUserId: string;
  readonly studentUserId: string;
  readonly computeId: string;
  readyOverride: boolean | null = null;
  reachable = true;
  /** False: `system_health` reports the controller and its compute not valid (survives stops, like `reachable`). */
  healthy = true;
  /**
   * Individual `system_health` checks that fail (e.g. "libvirt" for the compute, "core_connected" for the
   * controller block): each makes its block and the system not valid. Survives stops, like `healthy`.
   */
  failingChecks: readonly HealthCheckName[] = [];
  /** `PUT /labs/{id}/stop` calls answered, found or not (the control API shows them). */
  stopLabCalls = 0;
  /** The certificate its HTTPS serves; "alternate" plays another machine answering on its address. */
  certificate: SimCertificate = "default";
  runningNodes = 0;
  readonly labs = new Map<string, CmlLab>();
  private readonly eventLog: CmlEvent[] = [];
  registration: RegistrationStatus = "NOT_REGISTERED";
  registeredAt: number | null = null;
  registerCalls = 0;
  /** The next this many license registrations answer 503 (Smart Licensing unavailable); set through the control API. */
  failRegistrations = 0;
  deregisterCalls = 0;
  pendingRegistration: ScheduledTask | null = null;
  private readonly tokens = new Map<string, number>();
  private readonly secret = randomBytes(32);

  constructor(
    identity: CmlIdentity = {
      serviceUserId: randomUUID(),
      studentUserId: randomUUID(),
      computeId: randomUUID(),
    },
    events: readonly CmlEvent[] = [],
  ) {
    this.serviceUserId = identity.serviceUserId;
    this.studentUserId = identity.studentUserId;
    this.computeId = identity.computeId;
    this.eventLog.push(...events.slice(-MAX_EVENTS));
  }

  get events(): readonly CmlEvent[] {
    return this.eventLog;
  }

  appendEvent(category: string, userId: string, at: number, labId?: string): void {
    const event: CmlEvent = {
      category,
      timestamp: cmlTimestamp(at),
      data: labId === undefined ? { user_id: userId } : { user_id: userId, lab_id: labId },
    };
    const last = this.eventLog[this.eventLog.length - 1];
    // A run of user_activity by one user keeps only its newest event: a fleet polling 10,000
    // controllers would otherwise fill memory with its own activity and push real events out.
    if (category === "user_activity" && last?.category === "user_activity" && last.data.user_id === userId) {
      this.eventLog[this.eventLog.length - 1] = event;
      return;
    }
    this.eventLog.push(event);
    if (this.eventLog.length > MAX_EVENTS) {
      this.eventLog.splice(0, this.eventLog.length - MAX_EVENTS);
    }
  }

  /** A JWT-shaped token (header.payload.signature) valid until `now + ttlMs`. */
  issueToken(username: string, now: number, ttlMs: number): string {
    const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const expiresAt = now + ttlMs;
    const header = encode({ alg: "HS256", typ: "JWT" });
    const payload = encode({
      iss: "cml-simulator",
      sub: this.serviceUserId,
      username,
      iat: Math.floor(now / 1000),
      exp: Math.floor(expiresAt / 1000),
      jti: randomUUID(),
    });
    const signature = createHmac("sha256", this.secret).update(`${header}.${payload}`).digest("base64url");
    const token = `${header}.${payload}.${signature}`;
    for (const [known, expiry] of this.tokens) {
      if (expiry <= now) {
        this.tokens.delete(known);
      }
    }
    this.tokens.set(token, expiresAt);
    return token;
  }

  tokenStatus(token: string, now: number): "valid" | "expired" | "unknown" {
    const expiresAt = this.tokens.get(token);
    if (expiresAt === undefined) {
      return "unknown";
    }
    return expiresAt > now ? "valid" : "expired";
  }

  expireTokens(): void {
    this.tokens.clear();
  }

  startedLabs(): number {
    let started = 0;
    for (const lab of this.labs.values()) {
      if (lab.state === "STARTED") {
        started++;
      }
    }
    return started;
  }
}
