import type { Actor } from "../domain/actor";
import { cmlTrustOf, type Worker } from "../domain/worker";
import { applyServiceStatus } from "../domain/worker-changes-observed";
import { workerStatusFromEc2 } from "../domain/worker-status";
import { ConflictError } from "../errors";
import type { CloudInstance, CloudProvider, CloudTarget } from "../ports/cloud-provider.port";
import type { CmlClient, CmlEndpoint, CmlSystemInformation } from "../ports/cml-client.port";
import type { WorkerRepository } from "../ports/worker-repository.port";
import { type PollDeps, type PollOptions, pollOnce, pollUntil, type WaitProgress } from "./poll";
import { withStatus } from "./worker-events";
import { unlessUnchanged, updateWorker, type WorkerWriterDeps } from "./worker-writer";

export interface ReadinessConfig {
  /** Port of the CML REST API on a worker. */
  readonly cmlApiPort: number;
  /** How long an instance may take from launch or start to running. */
  readonly bootTimeoutMs: number;
  /** How long CML may take from running to ready. */
  readonly cmlReadyTimeoutMs: number;
  readonly pollInitialMs: number;
  readonly pollMaxMs: number;
}

export interface ReadinessDeps extends WorkerWriterDeps, PollDeps {
  readonly workers: WorkerRepository;
  readonly cloud: CloudProvider;
  readonly cml: CmlClient;
  readonly readiness: ReadinessConfig;
}

export function targetOf(worker: Pick<Worker, "accountId" | "region">): CloudTarget {
  return { accountId: worker.accountId, region: worker.region };
}

/**
 * Where to reach the worker's CML, held to its certificate pin; null when it
 * has no address, or when it is an auto-imported worker no ADMIN has
 * confirmed yet: every CML call goes through here, so none reaches such a
 * worker (and no credential is sent to it).
 */
export function endpointOf(worker: Pick<Worker, "id" | "endpoint" | "cmlTrust">): CmlEndpoint | null {
  return worker.endpoint === null ? null : cmlEndpointAt(worker, worker.endpoint);
}

/** The worker's CML at `baseUrl` (e.g. an address EC2 just gave), or null while it is unconfirmed. */
export function cmlEndpointAt(worker: Pick<Worker, "id" | "cmlTrust">, baseUrl: string): CmlEndpoint | null {
  const trust = cmlTrustOf(worker);
  if (!trust.confirmed) {
    return null;
  }
  return { workerId: worker.id, baseUrl, certificatePin: trust.certificateFingerprint };
}

/** Why the fleet will not talk to the worker's CML yet, or null when it will. */
export function unconfirmedReason(worker: Pick<Worker, "name" | "cmlTrust">): string | null {
  return cmlTrustOf(worker).confirmed
    ? null
    : `${worker.name} was imported automatically and no ADMIN has confirmed it (confirmWorker): the fleet does not contact its CML`;
}

export function endpointUrl(
  instance: Pick<CloudInstance, "publicIp" | "privateIp">,
  port: number,
): string | null {
  const host = instance.publicIp ?? instance.privateIp;
  return host === null ? null : `https://${host}:${port}`;
}

/** The worker with EC2's view of its instance applied (status, addresses, endpoint). */
export function withInstance(
  worker: Worker,
  instance: CloudInstance,
  cmlApiPort: number,
  actor: Actor,
  now: Date,
): { worker: Worker; events: ReturnType<typeof withStatus>["events"] } {
  const status = workerStatusFromEc2(instance.state);
  const changed = withStatus(
    worker,
    status,
    actor,
    now,
    status === worker.status ? worker.statusReason : null,
  );
  const running = instance.state === "running";
  return {
    worker: {
      ...changed.worker,
      instanceId: instance.instanceId,
      publicIp: instance.publicIp,
      privateIp: instance.privateIp,
      endpoint: running ? endpointUrl(instance, cmlApiPort) : worker.endpoint,
      serviceStatus: running ? worker.serviceStatus : "UNAVAILABLE",
    },
    events: changed.events,
  };
}

/** The boot wait's bound: it starts when PENDING was recorded, so a retried job or a later step gets no fresh allowance. */
function bootWait(deps: ReadinessDeps, worker: Worker, instanceId: string) {
  return {
    what: `instance ${instanceId} to run`,
    upstream: "ec2" as const,
    deadline: new Date(worker.statusChangedAt.getTime() + deps.readiness.bootTimeoutMs),
    initialDelayMs: deps.readiness.pollInitialMs,
    maxDelayMs: deps.readiness.pollMaxMs,
  };
}

/** One look at EC2: the instance when it runs, null while it does not yet; a terminated one ends the wait. */
async function probeRunning(deps: ReadinessDeps, worker: Worker, instanceId: string) {
  const found = await deps.cloud.describe(targetOf(worker), instanceId);
  if (found === null) {
    return null;
  }
  if (found.state === "terminated" || found.state === "shutting-down") {
    throw new ConflictError(
      `instance ${instanceId} is ${found.state}${found.stateReason === null ? "" : `: ${found.stateReason}`}`,
    );
  }
  return found.state === "running" ? found : null;
}

/** Records the running instance's addresses and endpoint; CML is STARTING from now. */
function recordRunning(deps: ReadinessDeps, worker: Worker, instance: CloudInstance, actor: Actor) {
  return updateWorker(deps, worker.id, (current, now) => {
    const applied = withInstance(current, instance, deps.readiness.cmlApiPort, actor, now);
    return {
      worker: { ...applied.worker, serviceStatus: "STARTING" },
      events: applied.events,
    };
  });
}

/**
 * Polls EC2 until the worker's instance runs, then records its addresses and
 * endpoint. The bound starts when PENDING was recorded, so a retried job does
 * not get a fresh allowance.
 */
export async function waitUntilRunning(deps: ReadinessDeps, worker: Worker, actor: Actor): Promise<Worker> {
  const instanceId = requireInstanceId(worker);
  const instance = await pollUntil(deps, bootWait(deps, worker, instanceId), () =>
    probeRunning(deps, worker, instanceId),
  );
  return recordRunning(deps, worker, instance, actor);
}

/** One step of a wait spread over job steps: the worker once the wait is over, or when to look again. */
export type ReadinessStep =
  | { readonly kind: "ready"; readonly worker: Worker }
  | { readonly kind: "wait"; readonly delayMs: number; readonly progress: WaitProgress };

/** {@link waitUntilRunning} as one look: the job hands its slot back between looks (same bound, counted the same). */
export async function stepUntilRunning(
  deps: ReadinessDeps,
  worker: Worker,
  actor: Actor,
  previous: WaitProgress | null,
): Promise<ReadinessStep> {
  const instanceId = requireInstanceId(worker);
  const step = await pollOnce(deps, { ...bootWait(deps, worker, instanceId), phase: "boot" }, previous, () =>
    probeRunning(deps, worker, instanceId),
  );
  if (step.kind === "wait") {
    return step;
  }
  return { kind: "ready", worker: await recordRunning(deps, worker, step.value, actor) };
}

/** While waiting for CML, EC2 is asked too, once every this many polls: cheap, and a lost instance shows quickly. */
export const EC2_RECHECK_EVERY_POLLS = 3;

/** EC2 states in which the CML being waited for will never answer: the instance went away behind our back. */
const GONE_STATES = new Set(["shutting-down", "terminated", "stopping", "stopped"]);

/**
 * Throws (not retryable) when EC2 says the worker's instance is going or
 * gone (terminated or stopped behind the fleet's back), so the wait ends at
 * once with that reason instead of at CML_STARTUP_TIMEOUT. An instance EC2
 * does not find is not conclusive (its answers lag): the wait goes on.
 */
async function ensureInstanceUp(deps: ReadinessDeps, worker: Worker, instanceId: string): Promise<void> {
  const found = await deps.cloud.describe(targetOf(worker), instanceId);
  if (found !== null && GONE_STATES.has(found.state)) {
    const why = found.stateReason === null ? "" : ` (${found.stateReason})`;
    throw new ConflictError(
      `instance ${instanceId} is ${found.state}${why} while waiting for CML on ${worker.name}: it was stopped or terminated outside the fleet`,
    );
  }
}

/** How the CML wait of a worker goes: nothing to ask (unconfirmed: recorded UNKNOWN), or where and until when. */
type CmlWaitPlan =
  | { readonly kind: "done"; readonly worker: Promise<Worker> }
  | {
      readonly kind: "ask";
      readonly options: PollOptions;
      /** One look: every few polls EC2 first, then CML; its ready answer, or null. */
      readonly probe: (poll: number) => Promise<CmlSystemInformation | null>;
    };

function planCmlWait(deps: ReadinessDeps, worker: Worker, actor: Actor): CmlWaitPlan {
  const unconfirmed = unconfirmedReason(worker);
  if (unconfirmed !== null) {
    deps.logger.info({ workerId: worker.id }, unconfirmed);
    // Not STARTING (nothing will be asked): UNKNOWN, with the reason in its event.
    return {
      kind: "done",
      worker: updateWorker(deps, worker.id, (current, now) =>
        unlessUnchanged(current, applyServiceStatus(current, "UNKNOWN", unconfirmed, actor, now)),
      ),
    };
  }
  const endpoint = endpointOf(worker);
  if (endpoint === null) {
    throw new ConflictError(`worker ${worker.name} has no CML endpoint (no IP address)`);
  }
  const instanceId = worker.instanceId;
  return {
    kind: "ask",
    options: {
      what: `CML on ${worker.name} to be ready`,
      upstream: "cml",
      // From when RUNNING was recorded: the wait's start, whichever step or attempt looks.
      deadline: new Date(worker.statusChangedAt.getTime() + deps.readiness.cmlReadyTimeoutMs),
      initialDelayMs: deps.readiness.pollInitialMs,
      maxDelayMs: deps.readiness.pollMaxMs,
    },
    probe: async (poll) => {
      // Before CML, whose failures (unreachable, as a gone instance's is) only mean "not yet".
      if (instanceId !== null && poll % EC2_RECHECK_EVERY_POLLS === 0) {
        await ensureInstanceUp(deps, worker, instanceId);
      }
      const answer = await deps.cml.systemInformation(endpoint);
      return answer.ready ? answer : null;
    },
  };
}

/** Marks the worker's CML AVAILABLE with the version that answered ready. */
function recordCmlReady(deps: ReadinessDeps, worker: Worker, info: CmlSystemInformation, actor: Actor) {
  return updateWorker(deps, worker.id, (current, now) => {
    const ready = unlessUnchanged(
      current,
      applyServiceStatus(current, "AVAILABLE", null, actor, now, { readyVersion: info.version }),
    );
    return ready === null ? null : { worker: { ...ready.worker, statusReason: null }, events: ready.events };
  });
}

/**
 * Polls the worker's CML until it reports ready, then marks the service
 * AVAILABLE. Every few polls it asks EC2 as well, so an instance stopped or
 * terminated meanwhile ends the wait at once (see ensureInstanceUp). An unconfirmed worker's CML is not asked: the instance runs, and
 * its service is UNKNOWN until an ADMIN confirms it.
 */
export async function waitUntilCmlReady(deps: ReadinessDeps, worker: Worker, actor: Actor): Promise<Worker> {
  const plan = planCmlWait(deps, worker, actor);
  if (plan.kind === "done") {
    return plan.worker;
  }
  let polls = 0;
  const info = await pollUntil(deps, plan.options, () => {
    polls += 1;
    return plan.probe(polls);
  });
  return recordCmlReady(deps, worker, info, actor);
}

/**
 * {@link waitUntilCmlReady} as one look: the job hands its slot back between
 * looks. The poll count (every few, EC2 is asked first) and the backoff come
 * from `previous`, the bound from the worker, so the wait behaves as one.
 */
export async function stepUntilCmlReady(
  deps: ReadinessDeps,
  worker: Worker,
  actor: Actor,
  previous: WaitProgress | null,
): Promise<ReadinessStep> {
  const plan = planCmlWait(deps, worker, actor);
  if (plan.kind === "done") {
    return { kind: "ready", worker: await plan.worker };
  }
  const step = await pollOnce(deps, { ...plan.options, phase: "cml" }, previous, plan.probe);
  if (step.kind === "wait") {
    return step;
  }
  return { kind: "ready", worker: await recordCmlReady(deps, worker, step.value, actor) };
}

export function requireInstanceId(worker: Worker): string {
  if (worker.instanceId === null) {
    throw new ConflictError(`worker ${worker.name} has no instance`);
  }
  return worker.instanceId;
}
