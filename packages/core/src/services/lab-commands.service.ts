import type { Actor } from "../domain/actor";
import { checkText } from "../domain/input-text";
import { type JobInfo, workerJobId } from "../domain/job";
import { actorOf, type Requester } from "../domain/requester";
import type { CmlLab, Worker } from "../domain/worker";
import { changed, workerEvent } from "../domain/worker-changes-common";
import { ConflictError, NotFoundError } from "../errors";
import type { CmlClient } from "../ports/cml-client.port";
import type { JobQueue } from "../ports/job-queue.port";
import type { WorkerRepository } from "../ports/worker-repository.port";
import { endpointOf, unconfirmedReason } from "./instance-readiness";
import { successAudit } from "./request-audit";
import type { WorkerJobResult } from "./worker-commands.service";
import { isStartedLab, sameLabs } from "./worker-observation";
import { updateWorker, type WorkerWriterDeps } from "./worker-writer";

/** Job states in which a queued lab stop is still to run or running: a new request joins it. */
const UNDER_WAY: ReadonlySet<JobInfo["state"]> = new Set(["WAITING", "ACTIVE", "DELAYED"]);

/** A worker's labs can be stopped only while its CML runs. */
function requireRunning(worker: Worker): void {
  if (worker.status !== "RUNNING") {
    throw new ConflictError(
      `worker ${worker.name} is ${worker.status}: labs can be stopped only on a RUNNING worker`,
    );
  }
}

function labName(lab: CmlLab): string {
  return lab.title === "" ? lab.id : `"${lab.title}"`;
}

export interface LabCommandServiceDeps extends WorkerWriterDeps {
  readonly workers: Pick<WorkerRepository, "findById" | "save">;
  readonly jobs: Pick<JobQueue, "enqueue" | "get" | "getWithRequest">;
}

/**
 * An operator's requests to stop one lab or all the labs of a worker (the
 * API's stopLab and stopAllLabs). Each validates, checks the worker runs and
 * knows the lab, records the request (event and audit entry in one
 * transaction), and queues the job that asks CML (job ids make a repeated
 * request join the one under way). Another lab's stop under way on the same
 * worker is a CONFLICT rather than a silent join: the job carries one lab.
 */
export function createLabCommandService(deps: LabCommandServiceDeps) {
  async function findRunning(workerId: string): Promise<Worker> {
    const worker = await deps.workers.findById(workerId);
    if (worker === null) {
      throw new NotFoundError("worker", workerId);
    }
    requireRunning(worker);
    return worker;
  }

  /** Records the request (re-checked on the freshest worker), then queues its job. */
  async function record(
    by: Requester,
    workerId: string,
    operation: "stopLab" | "stopAllLabs",
    lab: CmlLab | null,
    enqueue: (actor: Actor) => Promise<JobInfo>,
  ): Promise<WorkerJobResult> {
    const actor = actorOf(by);
    const args = lab === null ? { id: workerId } : { workerId, labId: lab.id };
    const worker = await updateWorker(
      deps,
      workerId,
      (current, now) => {
        requireRunning(current);
        const what = lab === null ? "stop all labs" : `stop lab ${labName(lab)}`;
        const event = workerEvent(
          current,
          "worker.lab_stop_requested",
          `${current.name}: ${what} requested`,
          {
            actor,
            reason: null,
            now,
            data: lab === null ? { labs: "all" } : { labId: lab.id, title: lab.title },
          },
        );
        return changed(current, {}, now, [event]);
      },
      { audit: (now) => successAudit(by, operation, args, now) },
    );
    return { worker, job: await enqueue(actor) };
  }

  return {
    async stopLab(by: Requester, workerId: string, labId: string): Promise<WorkerJobResult> {
      const id = checkText("workerId", "workerId", workerId);
      const given = checkText("labId", "labId", labId);
      const worker = await findRunning(id);
      const lab = worker.labs.find((known) => known.id === given);
      if (lab === undefined) {
        throw new NotFoundError("lab", given);
      }
      const existing = await deps.jobs.getWithRequest(workerJobId("stop-lab", id));
      if (existing !== null && UNDER_WAY.has(existing.info.state) && existing.request.kind === "stop-lab") {
        if (existing.request.payload.labId === lab.id) {
          return { worker, job: existing.info };
        }
        throw new ConflictError(
          `worker ${worker.name} is stopping another lab (${existing.request.payload.labId}); try again when job ${existing.info.id} has finished`,
        );
      }
      return record(by, id, "stopLab", lab, (actor) =>
        deps.jobs.enqueue("stop-lab", { workerId: id, actor, labId: lab.id }),
      );
    },

    async stopAllLabs(by: Requester, workerId: string): Promise<WorkerJobResult> {
      const id = checkText("workerId", "id", workerId);
      const worker = await findRunning(id);
      const existing = await deps.jobs.get(workerJobId("stop-all-labs", id));
      if (existing !== null && UNDER_WAY.has(existing.state)) {
        return { worker, job: existing };
      }
      return record(by, id, "stopAllLabs", null, (actor) =>
        deps.jobs.enqueue("stop-all-labs", { workerId: id, actor }),
      );
    },
  };
}

export type LabCommandService = ReturnType<typeof createLabCommandService>;

export interface LabStopDeps extends WorkerWriterDeps {
  readonly workers: Pick<WorkerRepository, "findById" | "save" | "saveLabs">;
  readonly cml: CmlClient;
}

/** What a lab-stop job did: the labs it asked CML to stop, and the labs as CML lists them after. */
export interface LabStopResult {
  readonly workerId: string;
  readonly stopped: readonly string[];
  readonly labs: readonly CmlLab[];
}

/**
 * The work of a lab-stop job (under the per-worker lock): asks CML for the
 * labs as they are now, stops the one asked for (NOT_FOUND when CML no longer
 * has it) or every started one, then stores the labs as CML lists them after
 * and records what was stopped. Stopping a lab that is not started is a
 * no-op in CML, so a retried job is harmless.
 */
export async function stopLabs(
  deps: LabStopDeps,
  workerId: string,
  labId: string | null,
  actor: Actor,
): Promise<LabStopResult> {
  const worker = await deps.workers.findById(workerId);
  if (worker === null) {
    throw new NotFoundError("worker", workerId);
  }
  requireRunning(worker);
  const endpoint = endpointOf(worker);
  if (endpoint === null) {
    throw new ConflictError(unconfirmedReason(worker) ?? `worker ${worker.name} has no CML endpoint yet`);
  }
  const before = await deps.cml.labs(endpoint);
  let targets: CmlLab[];
  if (labId === null) {
    targets = before.filter(isStartedLab);
  } else {
    const lab = before.find((known) => known.id === labId);
    if (lab === undefined) {
      throw new NotFoundError("lab", labId);
    }
    targets = [lab];
  }
  for (const lab of targets) {
    await deps.cml.stopLab(endpoint, lab.id);
  }
  const after = await deps.cml.labs(endpoint);
  if (!sameLabs(worker.labs, after)) {
    await deps.workers.saveLabs(worker.id, after);
  }
  const what =
    labId === null
      ? targets.length === 0
        ? "no lab was running"
        : `stopped ${targets.length} lab${targets.length === 1 ? "" : "s"} (${targets.map(labName).join(", ")})`
      : `stopped lab ${targets.map(labName).join("")}`;
  await updateWorker(deps, worker.id, (current, now) =>
    changed(current, {}, now, [
      workerEvent(current, "worker.labs_stopped", `${current.name}: ${what}`, {
        actor,
        reason: null,
        now,
        data: { stopped: targets.map((lab) => lab.id) },
      }),
    ]),
  );
  return { workerId: worker.id, stopped: targets.map((lab) => lab.id), labs: after };
}

/** The lab-stop jobs' service: {@link stopLabs} over the job process's adapters. */
export function createLabStopService(deps: LabStopDeps) {
  return {
    stop: (workerId: string, labId: string | null, actor: Actor) => stopLabs(deps, workerId, labId, actor),
  };
}

export type LabStopService = ReturnType<typeof createLabStopService>;
