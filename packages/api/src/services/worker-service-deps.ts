import type { FleetEvent, NewFleetEvent } from "@cml-fleet/core/domain/fleet-event";
import type { Worker } from "@cml-fleet/core/domain/worker";
import type { WorkerChange } from "@cml-fleet/core/domain/worker-changes-common";
import { ConcurrentModificationError, NotFoundError } from "@cml-fleet/core/errors";
import type { Clock } from "@cml-fleet/core/ports/clock.port";
import type { EventPublisher } from "@cml-fleet/core/ports/event-publisher.port";
import type { JobQueue } from "@cml-fleet/core/ports/job-queue.port";
import type { WorkerRepository } from "@cml-fleet/core/ports/worker-repository.port";
import type { Settings } from "@cml-fleet/core/settings/settings.schema";
import type { AuditEntry } from "@cml-fleet/platform/repositories/audit.repository";
import type { Principal } from "../auth/principal";

/** Audit records written in the same transaction as the worker change they describe. */
export interface WriteAudit {
  readonly audit: readonly AuditEntry[];
}

export interface SavedWorker {
  readonly worker: Worker;
  readonly events: FleetEvent[];
}

/** The worker repository as the API writes through it: every write carries its audit record. */
export interface AuditedWorkerRepository
  extends Pick<WorkerRepository, "findById" | "findByIds" | "findByIdempotencyKey"> {
  insert(worker: Worker, events: readonly NewFleetEvent[], options: WriteAudit): Promise<SavedWorker>;
  save(worker: Worker, events: readonly NewFleetEvent[], options: WriteAudit): Promise<SavedWorker>;
}

export interface WorkerServiceDeps {
  readonly workers: AuditedWorkerRepository;
  readonly jobs: JobQueue;
  readonly publisher: EventPublisher;
  readonly clock: Clock;
  readonly settings: Settings;
}

export function successAudit(
  by: Principal,
  operation: string,
  args: Record<string, unknown>,
  at: Date,
): AuditEntry {
  return {
    at,
    actor: by.name,
    role: by.role,
    operation,
    arguments: args,
    outcome: "ok",
    errorMessage: null,
    requestId: null,
  };
}

const MAX_CONFLICT_RETRIES = 3;

/**
 * Reads the worker, computes the change (which may refuse with a typed
 * error), saves it with its events and audit record, and publishes. A job
 * writing the same worker meanwhile makes the optimistic save fail; the
 * change is then recomputed on the newer worker. Returns null for the saved
 * value when the change changed nothing (no write, no audit, no publish).
 */
export async function writeWorkerChange(
  deps: Pick<WorkerServiceDeps, "workers" | "publisher" | "clock">,
  id: string,
  audit: (now: Date) => AuditEntry,
  change: (worker: Worker, now: Date) => WorkerChange,
): Promise<{ readonly before: Worker; readonly saved: SavedWorker | null }> {
  for (let attempt = 0; ; attempt++) {
    const before = await deps.workers.findById(id);
    if (before === null) {
      throw new NotFoundError("worker", id);
    }
    const now = deps.clock.now();
    const next = change(before, now);
    if (next.events.length === 0 && next.worker === before) {
      return { before, saved: null };
    }
    try {
      const saved = await deps.workers.save(next.worker, next.events, { audit: [audit(now)] });
      await publishSaved(deps.publisher, saved);
      return { before, saved };
    } catch (error) {
      if (!(error instanceof ConcurrentModificationError) || attempt >= MAX_CONFLICT_RETRIES) {
        throw error;
      }
    }
  }
}

export async function publishSaved(publisher: EventPublisher, saved: SavedWorker): Promise<void> {
  await publisher.workerChanged(saved.worker);
  for (const event of saved.events) {
    await publisher.fleetEvent(event);
  }
}
