import { actorOf, type Requester } from "../domain/requester";
import type { Worker, WorkerIdlePolicy } from "../domain/worker";
import { setTags } from "../domain/worker-changes";
import type { WorkerChange } from "../domain/worker-changes-common";
import { keepAlive, setIdlePolicy } from "../domain/worker-changes-idle";
import { type TagPair, validateTags } from "../domain/worker-input";
import { ConflictError, ValidationError } from "../errors";
import { successAudit } from "./request-audit";
import { unlessUnchanged, updateWorker, type WorkerWriterDeps } from "./worker-writer";

export interface IdlePolicyChange {
  /** Omitted keeps the worker's value; null returns to the fleet default. */
  readonly enabled?: boolean | null | undefined;
  readonly thresholdMinutes?: number | null | undefined;
}

/** A keep-alive longer than a week is more likely forgotten than meant. */
const MAX_KEEP_ALIVE_MS = 7 * 24 * 3_600_000;

/** Changes to a worker's own settings: recorded at once, no job needed. */
export function createWorkerSettingsService(deps: WorkerWriterDeps) {
  function change(
    by: Requester,
    operation: string,
    id: string,
    args: Record<string, unknown>,
    apply: (worker: Worker, now: Date) => WorkerChange,
  ): Promise<Worker> {
    return updateWorker(
      deps,
      id,
      (worker, now) => {
        if (worker.status === "TERMINATED") {
          throw new ConflictError(`worker ${worker.name} is TERMINATED; its settings can no longer change`);
        }
        return unlessUnchanged(worker, apply(worker, now));
      },
      { audit: (now) => successAudit(by, operation, { id, ...args }, now) },
    );
  }

  return {
    setTags(by: Requester, id: string, pairs: readonly TagPair[]): Promise<Worker> {
      const tags = validateTags(pairs);
      return change(by, "setWorkerTags", id, { tags }, (worker, now) =>
        setTags(worker, tags, actorOf(by), now),
      );
    },

    setIdlePolicy(by: Requester, id: string, input: IdlePolicyChange): Promise<Worker> {
      return change(by, "setIdlePolicy", id, { ...input }, (worker, now) => {
        const policy: WorkerIdlePolicy = {
          enabled: input.enabled === undefined ? worker.idlePolicy.enabled : input.enabled,
          thresholdMinutes:
            input.thresholdMinutes === undefined
              ? worker.idlePolicy.thresholdMinutes
              : input.thresholdMinutes,
        };
        return setIdlePolicy(worker, policy, actorOf(by), null, now);
      });
    },

    keepAlive(by: Requester, id: string, until: Date): Promise<Worker> {
      if (until.getTime() - deps.clock.now().getTime() > MAX_KEEP_ALIVE_MS) {
        throw new ValidationError("until", "may be at most 7 days ahead");
      }
      return change(by, "keepAlive", id, { until: until.toISOString() }, (worker, now) =>
        keepAlive(worker, until, actorOf(by), null, now),
      );
    },
  };
}

export type WorkerSettingsService = ReturnType<typeof createWorkerSettingsService>;
