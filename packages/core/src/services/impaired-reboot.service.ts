import { describeActor, systemActor } from "../domain/actor";
import { checksOf, type ImpairmentEpisode, impairedReason } from "../domain/status-checks";
import type { Worker } from "../domain/worker";
import { workerEvent } from "../domain/worker-changes-common";
import type { CloudProvider } from "../ports/cloud-provider.port";
import type { JobQueue } from "../ports/job-queue.port";
import type { AuditEntry } from "../ports/worker-repository.port";
import { targetOf } from "./instance-readiness";
import { loadWorker } from "./load-worker";
import { isStartedLab } from "./worker-observation";
import { updateWorker, type WorkerWriterDeps } from "./worker-writer";

export interface ImpairedRebootConfig {
  /** CML_WORKER_REBOOT_ON_IMPAIRED: off, an impaired check is only reported. */
  readonly enabled: boolean;
  /** CML_WORKER_IMPAIRED_SWEEPS_BEFORE_REBOOT: consecutive impaired sweeps before the reboot is asked for. */
  readonly sweepsBeforeReboot: number;
}

export interface ImpairedRebootDeps extends WorkerWriterDeps {
  readonly cloud: Pick<CloudProvider, "reboot">;
  readonly jobs: Pick<JobQueue, "enqueue">;
  readonly impairedReboot: ImpairedRebootConfig;
}

export type RebootDecision = "none" | "requested" | "withheld";

const actor = systemActor("status-checks");

function auditOf(operation: string, worker: Worker, args: Record<string, unknown>, now: Date): AuditEntry {
  return {
    at: now,
    actor: describeActor(actor),
    role: null,
    operation,
    arguments: { workerId: worker.id, ...args },
    outcome: "ok",
    errorMessage: null,
    requestId: null,
  };
}

/** Labs last seen started on the worker (its CML may not answer while the instance is impaired). */
function startedLabs(worker: Worker): string[] {
  return worker.labs.filter(isStartedLab).map((lab) => lab.id);
}

function episodeOf(worker: Worker): ImpairmentEpisode | null {
  return worker.telemetry?.impairment ?? null;
}

/**
 * Reboots instances whose EC2 status checks stay impaired, when asked to
 * (opt-in). Safety first, failing closed:
 * - only a RUNNING worker that the fleet wants running, after N consecutive
 *   impaired sweeps;
 * - at most one reboot per impairment episode: the request is recorded on the
 *   worker *before* the job is queued, so a failure after it means no reboot,
 *   never two; the job itself skips an episode that has closed or was rebooted;
 * - never while labs run: the labs last seen started (the CML of an impaired
 *   instance usually does not answer, so what it last said stands) withhold
 *   the reboot, recorded once per episode; an operator decides (stop the labs,
 *   or stop and start the worker).
 */
export function createImpairedRebootService(deps: ImpairedRebootDeps) {
  const config = deps.impairedReboot;

  function due(worker: Worker): ImpairmentEpisode | null {
    const episode = episodeOf(worker);
    if (
      !config.enabled ||
      episode === null ||
      episode.rebootRequestedAt !== null ||
      episode.impairedSweeps < config.sweepsBeforeReboot ||
      worker.status !== "RUNNING" ||
      worker.desiredStatus !== "RUNNING" ||
      worker.instanceId === null
    ) {
      return null;
    }
    return episode;
  }

  async function withhold(worker: Worker, labs: string[]): Promise<void> {
    await updateWorker(
      deps,
      worker.id,
      (current, now) => {
        const episode = episodeOf(current);
        if (episode === null || episode.rebootWithheld === true || current.telemetry === null) {
          return null;
        }
        const reason = `labs are running (${labs.join(", ")}): a reboot would cut them off`;
        const event = workerEvent(
          current,
          "worker.reboot_withheld",
          `${current.name}: not rebooted although impaired`,
          {
            actor,
            reason,
            now,
            data: { labs, impairedSince: episode.since, sweeps: episode.impairedSweeps },
          },
        );
        const telemetry = { ...current.telemetry, impairment: { ...episode, rebootWithheld: true } };
        return { worker: { ...current, telemetry }, events: [event] };
      },
      { audit: (now) => auditOf("rebootWithheld", worker, { labs }, now) },
    );
  }

  async function request(worker: Worker, episode: ImpairmentEpisode): Promise<void> {
    const checks = checksOf(worker.telemetry);
    const reason = `${checks === null ? "EC2 status check impaired" : impairedReason(checks)} for ${episode.impairedSweeps} consecutive sweeps`;
    let marked = false;
    await updateWorker(
      deps,
      worker.id,
      (current, now) => {
        const latest = episodeOf(current);
        marked = false;
        if (latest === null || latest.since !== episode.since || latest.rebootRequestedAt !== null) {
          return null;
        }
        if (current.telemetry === null) {
          return null;
        }
        marked = true;
        const event = workerEvent(current, "worker.reboot_requested", `${current.name}: reboot requested`, {
          actor,
          reason,
          now,
          data: { impairedSince: latest.since, sweeps: latest.impairedSweeps, checks },
        });
        const telemetry = {
          ...current.telemetry,
          impairment: { ...latest, rebootRequestedAt: now.toISOString() },
        };
        return { worker: { ...current, telemetry }, events: [event] };
      },
      { audit: (now) => auditOf("rebootWorker", worker, { reason, impairedSince: episode.since }, now) },
    );
    if (marked) {
      await deps.jobs.enqueue("reboot", { workerId: worker.id, actor, reason, impairedSince: episode.since });
    }
  }

  return {
    /** After a sweep: asks for (or withholds) the reboots that are due. One worker's failure spares the others. */
    async decide(workers: readonly Worker[]): Promise<Map<string, RebootDecision>> {
      const decisions = new Map<string, RebootDecision>();
      for (const worker of workers) {
        const episode = due(worker);
        if (episode === null) {
          decisions.set(worker.id, "none");
          continue;
        }
        try {
          const labs = startedLabs(worker);
          if (labs.length > 0) {
            if (episode.rebootWithheld !== true) {
              await withhold(worker, labs);
            }
            decisions.set(worker.id, "withheld");
          } else {
            await request(worker, episode);
            decisions.set(worker.id, "requested");
          }
        } catch (error) {
          deps.logger.warn(
            { err: error, workerId: worker.id },
            "could not decide a reboot of an impaired worker",
          );
        }
      }
      return decisions;
    },

    /**
     * The reboot job: idempotent. Reboots only while the episode that asked
     * for it is open, not yet rebooted, the worker runs and no lab is seen started.
     */
    async reboot(workerId: string, reason: string, impairedSince: string): Promise<Worker> {
      const worker = await loadWorker(deps.workers, workerId);
      const episode = episodeOf(worker);
      if (
        episode === null ||
        episode.since !== impairedSince ||
        (episode.rebootedAt ?? null) !== null ||
        worker.status !== "RUNNING" ||
        worker.instanceId === null ||
        startedLabs(worker).length > 0
      ) {
        deps.logger.info(
          { workerId, impairedSince },
          "reboot skipped: the episode closed or the worker changed",
        );
        return worker;
      }
      await deps.cloud.reboot(targetOf(worker), worker.instanceId);
      return updateWorker(
        deps,
        workerId,
        (current, now) => {
          const latest = episodeOf(current);
          if (current.telemetry === null || latest === null || latest.since !== impairedSince) {
            return null;
          }
          const event = workerEvent(
            current,
            "worker.rebooted",
            `${current.name}: rebooted (EC2 RebootInstances)`,
            {
              actor,
              reason,
              now,
              data: { impairedSince, instanceId: current.instanceId },
            },
          );
          const telemetry = {
            ...current.telemetry,
            impairment: { ...latest, rebootedAt: now.toISOString() },
          };
          return { worker: { ...current, telemetry }, events: [event] };
        },
        { audit: (now) => auditOf("rebootInstance", worker, { reason, impairedSince }, now) },
      );
    },
  };
}

export type ImpairedRebootService = ReturnType<typeof createImpairedRebootService>;
