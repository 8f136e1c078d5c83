import type { WorkerRepository } from "@cml-fleet/core/ports/worker-repository.port";
import type { AuditLog } from "./audit-log";
import type { AuditedWorkerRepository } from "./worker-service-deps";

/**
 * Gives the worker repository the audited writes the services expect.
 * The audit record is written right after the worker change commits, not
 * inside its transaction: the Drizzle repository does not take audit rows
 * yet (requested from its owner). A crash between the two loses the audit
 * row of a change that happened, never the other way round.
 */
export function withAuditedWrites(
  workers: Pick<WorkerRepository, "findById" | "findByIds" | "findByIdempotencyKey" | "insert" | "save">,
  audit: AuditLog,
): AuditedWorkerRepository {
  return {
    findById: (id) => workers.findById(id),
    findByIds: (ids) => workers.findByIds(ids),
    findByIdempotencyKey: (key) => workers.findByIdempotencyKey(key),
    async insert(worker, events, options) {
      const saved = await workers.insert(worker, events);
      for (const entry of options.audit) {
        await audit.record(entry);
      }
      return saved;
    },
    async save(worker, events, options) {
      const saved = await workers.save(worker, events);
      for (const entry of options.audit) {
        await audit.record(entry);
      }
      return saved;
    },
  };
}
