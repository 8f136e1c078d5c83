import type { Actor } from "../domain/actor";
import { type CloudWatchReading, currentReading } from "../domain/cloudwatch-reading";
import type { NewFleetEvent } from "../domain/fleet-event";
import { nextImpairment, type StatusCheckPair, withStatusChecks } from "../domain/status-checks";
import type { CmlLab, TelemetrySnapshot, Worker } from "../domain/worker";
import { recordActivity } from "../domain/worker-changes-idle";
import { applyLicense, applyServiceStatus } from "../domain/worker-changes-observed";
import { forgetRejectedCertificate, rejectCertificate } from "../domain/worker-changes-trust";
import type { ServiceStatus } from "../domain/worker-status";
import { CmlCertificateMismatchError } from "../errors";
import type { CloudInstance, InstanceMetrics, InstanceStatusCheck } from "../ports/cloud-provider.port";
import type {
  CmlClient,
  CmlEndpoint,
  CmlLicensing,
  CmlSystemHealth,
  CmlSystemStats,
} from "../ports/cml-client.port";
import type { WorkerRepository } from "../ports/worker-repository.port";
import { DeadlineExceededError } from "./concurrency";
import { cmlEndpointAt, endpointUrl, type ReadinessDeps, targetOf, withInstance } from "./instance-readiness";
import { ALWAYS_READ_LICENSE, type LicenseReadPlan, licenseContradicted } from "./license-read-cadence";
import { licenseFromCml } from "./license-registration";
import { updateWorker } from "./worker-writer";

/** What one look at a worker's CML found; `reachable: false` means nothing is known. */
export type CmlObservation =
  | {
      readonly reachable: false;
      readonly error: string;
      /** Set when the worker's CML was refused for presenting a certificate other than its pin. */
      readonly certificateMismatch?: { readonly presented: string; readonly pinned: string } | undefined;
    }
  | {
      readonly reachable: true;
      readonly ready: boolean;
      readonly version: string;
      readonly stats: CmlSystemStats;
      /** Null when this look did not read the license (licenseReadPlan): the stored one stands. */
      readonly licensing: CmlLicensing | null;
      readonly labs: CmlLab[];
      /** The newest user activity this look found (null: none since the one the worker already knows). */
      readonly newestActivityAt: Date | null;
      /** CML's verdict on itself; not heeded before `ready` (a booting controller's computes are not valid yet). */
      readonly health: CmlSystemHealth;
    };

/** Everything one observation (a sweep, a refresh, a pre-stop check) learned about a worker. */
export interface WorkerObservation {
  /** EC2's view; null when EC2 does not know the instance (any more). */
  readonly instance: CloudInstance | null;
  readonly statusCheck: InstanceStatusCheck | null;
  /** CloudWatch's figures when it was asked for this observation; null when it was not. */
  readonly metrics: InstanceMetrics | null;
  /** Null when CML was not asked (the instance does not run). */
  readonly cml: CmlObservation | null;
  readonly at: Date;
}

/** A look's signal: aborted by its deadline or by the endpoint's own signal, and let go of once the look is over. */
interface LookSignal {
  readonly signal: AbortSignal;
  /** Rejects when the signal aborts, with its reason; never settles otherwise. */
  readonly aborted: Promise<never>;
  /** Whether the deadline (not the endpoint's signal) ended the look. */
  deadlinePassed(): boolean;
  /** Clears the timer and every listener: nothing of the look outlives it. */
  release(): void;
}

/**
 * One controller, one timer and plain listeners, all released when the look
 * ends. `AbortSignal.timeout` kept every look's signal (and what listened to
 * it) alive until its deadline, long after a look of a few hundred ms: a
 * sweep of 10,000 workers held as many, promoted to the old generation.
 */
function lookSignal(outer: AbortSignal | undefined, deadlineMs: number | undefined): LookSignal {
  const controller = new AbortController();
  let passed = false;
  let rejectAborted: (reason: unknown) => void = () => {};
  const aborted = new Promise<never>((_, reject) => {
    rejectAborted = reject;
  });
  // Nobody may be listening when it rejects (the answers came first, or no race was run).
  aborted.catch(() => {});
  const onAbort = () => rejectAborted(controller.signal.reason);
  controller.signal.addEventListener("abort", onAbort, { once: true });
  const onOuterAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted === true) {
    onOuterAbort();
  } else {
    outer?.addEventListener("abort", onOuterAbort, { once: true });
  }
  const timer =
    deadlineMs === undefined
      ? undefined
      : setTimeout(() => {
          passed = true;
          controller.abort(new DOMException("the look's deadline passed", "TimeoutError"));
        }, deadlineMs);
  return {
    signal: controller.signal,
    aborted,
    deadlinePassed: () => passed,
    release() {
      clearTimeout(timer);
      outer?.removeEventListener("abort", onOuterAbort);
      controller.signal.removeEventListener("abort", onAbort);
    },
  };
}

/**
 * Asks a worker's CML for everything the fleet tracks, all at once, so a look
 * costs one round trip of latency however many questions it asks. Any
 * failure makes the whole look "unreachable": partial answers would let the
 * idle policy see "no running nodes" when it merely failed to ask, and a
 * health read that failed must not pass for a healthy worker.
 *
 * With `deadlineMs`, a look still unanswered by then is unreachable, and its
 * requests are abandoned through the endpoint's signal (queued or sent), so a
 * slow worker gives its share of the CML client's request slots back to the
 * others at once instead of after the request timeout.
 *
 * `license` (a sweep's licenseReadPlan) may leave the license out: then it is
 * read after the other answers only when they contradict the stored one.
 */
export async function observeCml(
  cml: CmlClient,
  endpoint: CmlEndpoint,
  lastActivityAt: Date | null,
  deadlineMs?: number,
  license: LicenseReadPlan = ALWAYS_READ_LICENSE,
): Promise<CmlObservation> {
  const watch =
    endpoint.signal === undefined && deadlineMs === undefined
      ? null
      : lookSignal(endpoint.signal, deadlineMs);
  const look: CmlEndpoint = watch === null ? endpoint : { ...endpoint, signal: watch.signal };
  try {
    const answers = (async () => {
      const [info, health, stats, licensing, labs, activity] = await Promise.all([
        cml.systemInformation(look),
        cml.systemHealth(look),
        cml.systemStats(look),
        license.ask === "always" ? cml.licensing(look) : null,
        cml.labs(look),
        cml.activity(look, lastActivityAt),
      ]);
      const read =
        licensing ?? (licenseContradicted(license, health, stats) ? await cml.licensing(look) : null);
      return { info, health, stats, licensing: read, labs, activity };
    })();
    // Raced as well: a client that does not heed the signal still cannot hold the look past its deadline.
    const { info, health, stats, licensing, labs, activity } = await (watch === null
      ? answers
      : Promise.race([answers, watch.aborted]));
    const newest = activity.reduce<Date | null>(
      (latest, event) => (latest === null || event.at > latest ? event.at : latest),
      null,
    );
    return {
      reachable: true,
      ready: info.ready,
      version: info.version,
      stats,
      licensing,
      labs,
      newestActivityAt: newest,
      health,
    };
  } catch (error) {
    if (error instanceof CmlCertificateMismatchError) {
      return {
        reachable: false,
        error: error.message,
        certificateMismatch: { presented: error.presented, pinned: error.pinned },
      };
    }
    if (watch?.deadlinePassed() === true && deadlineMs !== undefined) {
      return {
        reachable: false,
        error: new DeadlineExceededError(`CML at ${endpoint.baseUrl}`, deadlineMs).message,
      };
    }
    return { reachable: false, error: error instanceof Error ? error.message : String(error) };
  } finally {
    watch?.release();
  }
}

/**
 * What is wrong according to CML's own health report, or null when nothing is,
 * naming the failing components when CML names them (a compute and its failed
 * checks, the controller's services). `isLicensed` is left out: the license
 * has its own status and events, and an unlicensed controller still serves.
 */
export function healthProblem(health: CmlSystemHealth): string | null {
  if (health.valid && health.computesValid) {
    return null;
  }
  const named = health.failing ?? [];
  if (named.length > 0) {
    return `CML system health: ${named.join("; ")}`;
  }
  const problems = [
    ...(health.valid ? [] : ["the controller reports itself not valid"]),
    ...(health.computesValid ? [] : ["a compute is not valid (or none is registered)"]),
  ];
  return `CML system health: ${problems.join("; ")}`;
}

/** The CML service's state after one look, and why when it is not plain. */
export function serviceStatusOf(
  cml: CmlObservation,
  previous: ServiceStatus | null = null,
): { status: ServiceStatus; reason: string | null } {
  if (!cml.reachable) {
    // A CML that answers with the wrong certificate is not down: something else answers on its address.
    return { status: cml.certificateMismatch === undefined ? "UNAVAILABLE" : "ERROR", reason: cml.error };
  }
  const problem = healthProblem(cml.health);
  if (!cml.ready) {
    // Real CML stops reporting ready when its only compute goes bad. A controller that was serving and now is
    // neither ready nor healthy is broken, not booting: say so, with the reason, instead of STARTING.
    const wasServing = previous === "AVAILABLE" || previous === "ERROR";
    return wasServing && problem !== null
      ? { status: "ERROR", reason: problem }
      : { status: "STARTING", reason: null };
  }
  return problem === null ? { status: "AVAILABLE", reason: null } : { status: "ERROR", reason: problem };
}

export function isStartedLab(lab: CmlLab): boolean {
  return lab.state === "STARTED" || lab.state === "BOOTED" || lab.state === "QUEUED";
}

/** CloudWatch's reading after an observation: the one it asked for, else the last one kept. */
function cloudWatchReadingOf(
  observation: WorkerObservation,
  previous: TelemetrySnapshot | null,
): CloudWatchReading | null {
  const metrics = observation.metrics;
  return metrics === null
    ? (previous?.cloudWatch ?? null)
    : { askedAt: observation.at.toISOString(), ...metrics };
}

/**
 * The sample an observation makes. CPU and memory come from CML's own stats first (free, and read now), and
 * from CloudWatch's reading only while no newer datapoint can exist; neither: null (unknown, which the idle
 * policy tolerates for CPU only once CML has shown no nodes and no labs). Network figures exist only in
 * CloudWatch, which is not asked while CML gives CPU and memory: a reachable worker shows them while its
 * last reading is current, and null after.
 */
function snapshotOf(observation: WorkerObservation, previous: TelemetrySnapshot | null): TelemetrySnapshot {
  const cml = observation.cml?.reachable === true ? observation.cml : null;
  const reading = cloudWatchReadingOf(observation, previous);
  const current = currentReading(reading, observation.instance?.monitoring ?? "basic", observation.at);
  const cmlCpu = cml?.stats.cpuPercent ?? null;
  const cmlMemory = cml?.stats.memoryPercent ?? null;
  return {
    sampledAt: observation.at,
    cpuPercent: cmlCpu ?? current?.cpuPercent ?? null,
    memoryPercent: cmlMemory ?? current?.memoryPercent ?? null,
    networkInBytes: current?.networkInBytes ?? null,
    networkOutBytes: current?.networkOutBytes ?? null,
    runningNodes: cml === null ? null : cml.stats.runningNodes,
    startedLabs: cml === null ? null : cml.labs.filter(isStartedLab).length,
    cmlReachable: cml !== null,
    instanceStatusCheck: observation.statusCheck?.instanceStatus ?? null,
    systemStatusCheck: observation.statusCheck?.systemStatus ?? null,
    usageFromCml: cmlCpu !== null && cmlMemory !== null,
    cloudWatch: reading,
  };
}

const round = (value: number | null) => (value === null ? null : Math.round(value));

/** Whether two snapshots differ in a way a person watching the fleet would notice. */
export function telemetryMoved(before: TelemetrySnapshot | null, after: TelemetrySnapshot): boolean {
  if (before === null) {
    return true;
  }
  return (
    round(before.cpuPercent) !== round(after.cpuPercent) ||
    round(before.memoryPercent) !== round(after.memoryPercent) ||
    before.runningNodes !== after.runningNodes ||
    before.startedLabs !== after.startedLabs ||
    before.cmlReachable !== after.cmlReachable ||
    before.instanceStatusCheck !== after.instanceStatusCheck ||
    before.systemStatusCheck !== after.systemStatusCheck
  );
}

/** The look's two EC2 status checks; null when EC2 gave none for the instance. */
function statusChecksOf(observation: WorkerObservation): StatusCheckPair | null {
  const check = observation.statusCheck;
  return check === null ? null : { system: check.systemStatus, instance: check.instanceStatus };
}

export interface AppliedObservation {
  readonly worker: Worker;
  readonly events: NewFleetEvent[];
  readonly snapshot: TelemetrySnapshot;
  /** Something a subscriber should see changed (beyond the sample's timestamp). */
  readonly moved: boolean;
}

/** Whether an observation began before the worker's status last changed (so EC2 and CML may show an older state). */
export function isOlderThanStatus(worker: Worker, observation: WorkerObservation): boolean {
  return observation.at.getTime() < worker.statusChangedAt.getTime();
}

/** The worker with an observation applied: status, addresses, CML service, license, labs, telemetry. */
export function applyObservation(
  worker: Worker,
  observation: WorkerObservation,
  cmlApiPort: number,
  actor: Actor,
  now: Date,
): AppliedObservation {
  const events: NewFleetEvent[] = [];
  let next = worker;
  const checks = statusChecksOf(observation);
  // A look taken before the worker's last status change (a job wrote while the sweep was reading EC2) is
  // older than what is stored: its EC2 state and CML view would move the status backwards. Only its
  // telemetry is kept; the next look sees the newer state.
  const stale = isOlderThanStatus(worker, observation);
  if (observation.instance !== null && !stale) {
    const applied = withInstance(next, observation.instance, cmlApiPort, actor, now);
    next = applied.worker;
    events.push(...applied.events);
  }
  const cml = stale ? null : observation.cml;
  if (cml !== null) {
    // An impaired EC2 status check shows in the service status (ERROR, the check named): see status-checks.ts.
    const { status, reason } = withStatusChecks(serviceStatusOf(cml, next.serviceStatus), checks);
    const service = applyServiceStatus(next, status, reason, actor, now);
    events.push(...service.events);
    next = service.worker;
    const trust = cml.reachable
      ? forgetRejectedCertificate(next, now)
      : cml.certificateMismatch === undefined
        ? null
        : rejectCertificate(
            next,
            cml.certificateMismatch.presented,
            cml.certificateMismatch.pinned,
            actor,
            now,
          );
    if (trust !== null) {
      events.push(...trust.events);
      next = trust.worker;
    }
    if (cml.reachable) {
      if (cml.licensing !== null) {
        const licensed = applyLicense(next, licenseFromCml(cml.licensing, now), actor, now);
        events.push(...licensed.events);
        next = licensed.worker;
      }
      if (cml.newestActivityAt !== null) {
        next = recordActivity(next, cml.newestActivityAt, now).worker;
      }
      next = { ...next, cmlVersion: cml.version, labs: cml.labs };
    }
  }
  const impairment = nextImpairment(next, worker.telemetry?.impairment ?? null, checks, actor, now);
  events.push(...impairment.events);
  const snapshot: TelemetrySnapshot = {
    ...snapshotOf(observation, worker.telemetry),
    impairment: impairment.episode,
  };
  const moved =
    events.length > 0 ||
    telemetryMoved(worker.telemetry, snapshot) ||
    JSON.stringify(worker.labs) !== JSON.stringify(next.labs) ||
    worker.license.nodesInUse !== next.license.nodesInUse ||
    worker.license.nodeLimit !== next.license.nodeLimit ||
    worker.publicIp !== next.publicIp ||
    worker.cmlTrust?.rejectedFingerprint !== next.cmlTrust?.rejectedFingerprint ||
    worker.idle.lastActivityAt?.getTime() !== next.idle.lastActivityAt?.getTime();
  return { worker: { ...next, telemetry: snapshot }, events, snapshot, moved };
}

/** Whether two lab lists say the same (order included: it is the order CML listed them in). */
export function sameLabs(a: readonly CmlLab[], b: readonly CmlLab[]): boolean {
  return (
    a.length === b.length &&
    a.every((lab, index) => {
      const other = b[index];
      return (
        other !== undefined &&
        lab.id === other.id &&
        lab.title === other.title &&
        lab.state === other.state &&
        (lab.nodeCount ?? null) === (other.nodeCount ?? null)
      );
    })
  );
}

/**
 * The labs to store for a worker after an observation, or null when there is
 * nothing to write: CML was not asked or did not answer (the labs last seen
 * stay), or it listed the labs already stored.
 */
export function labsToStore(stored: Worker, observation: WorkerObservation): readonly CmlLab[] | null {
  const cml = observation.cml;
  if (cml === null || !cml.reachable || sameLabs(stored.labs, cml.labs)) {
    return null;
  }
  return cml.labs;
}

/**
 * Stores the labs an observation found when they changed. Labs are not part
 * of the worker's versioned save (see the repository), so they are written
 * before it: the worker saved and published next is read back with them.
 */
export async function storeObservedLabs(
  workers: Pick<WorkerRepository, "saveLabs">,
  stored: Worker,
  observation: WorkerObservation,
): Promise<boolean> {
  const labs = labsToStore(stored, observation);
  if (labs === null) {
    return false;
  }
  await workers.saveLabs(stored.id, labs);
  return true;
}

/** Looks at one worker now (EC2, then CML when it runs) and records what it found. */
export async function observeWorker(deps: ReadinessDeps, worker: Worker, actor: Actor): Promise<Worker> {
  const observation = await observeOne(deps, worker);
  await storeObservedLabs(deps.workers, worker, observation);
  const saved = await updateWorker(deps, worker.id, (current, now) => {
    const applied = applyObservation(current, observation, deps.readiness.cmlApiPort, actor, now);
    return { worker: applied.worker, events: applied.events };
  });
  if (saved.telemetry !== null) {
    await deps.workers.saveTelemetry([{ ...saved.telemetry, workerId: saved.id }]);
  }
  return saved;
}

/** EC2 and CML as they are now, for one worker. */
export async function observeOne(deps: ReadinessDeps, worker: Worker): Promise<WorkerObservation> {
  const target = targetOf(worker);
  const instance = worker.instanceId === null ? null : await deps.cloud.describe(target, worker.instanceId);
  const [statusCheck] = instance === null ? [] : await deps.cloud.statusChecks(target, [instance.instanceId]);
  let cml: CmlObservation | null = null;
  if (instance?.state === "running") {
    const baseUrl = endpointUrl(instance, deps.readiness.cmlApiPort);
    // Null too for an unconfirmed worker: its CML is not asked, and its service status stays as it is.
    const endpoint = baseUrl === null ? null : cmlEndpointAt(worker, baseUrl);
    cml = endpoint === null ? null : await observeCml(deps.cml, endpoint, worker.idle.lastActivityAt);
  }
  return { instance, statusCheck: statusCheck ?? null, metrics: null, cml, at: deps.clock.now() };
}
