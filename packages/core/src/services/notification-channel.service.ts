import {
  checkNotificationChannelInput,
  type NotificationChannel,
  type NotificationFormat,
} from "../domain/notification-channel";
import { actorOf, type Requester } from "../domain/requester";
import { NotFoundError, ValidationError } from "../errors";
import type { AuditLog } from "../ports/audit-log.port";
import type { Clock } from "../ports/clock.port";
import type { JobQueue } from "../ports/job-queue.port";
import type { NotificationStore } from "../ports/notification-store.port";
import { successAudit } from "./request-audit";

export interface NotificationChannelServiceDeps {
  readonly store: NotificationStore;
  /** The notify-test job carries the test's POST; the service waits for its answer. */
  readonly jobs: Pick<JobQueue, "enqueue" | "waitForResult">;
  /** How long a test waits for its job (more than NOTIFY_DELIVERY_TIMEOUT). */
  readonly testWaitMs: number;
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly newId: () => string;
  /** NOTIFY_ALLOW_HTTP. */
  readonly allowHttp: boolean;
}

export interface NotificationChannelInput {
  readonly name: string;
  readonly url: string;
  readonly format?: NotificationFormat | null | undefined;
  readonly events?: readonly string[] | null | undefined;
  readonly secret?: string | null | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The notify-test job answers `{ delivered, error }`. */
function isDelivered(result: unknown): boolean {
  return typeof result === "object" && result !== null && "delivered" in result && result.delivered === true;
}

function checkChannelId(id: string): string {
  if (!UUID.test(id)) {
    throw new ValidationError("id", "must be a notification channel id, a UUID");
  }
  return id;
}

/**
 * The ADMIN's side of notification channels: create, delete and test, each
 * audited (the secret never: the audit says only whether there is one).
 */
export function createNotificationChannelService(deps: NotificationChannelServiceDeps) {
  const policy = { allowHttp: deps.allowHttp };

  async function channel(id: string) {
    const found = await deps.store.findDeliverableChannel(checkChannelId(id));
    if (found === null) {
      throw new NotFoundError("notification channel", id);
    }
    return found;
  }

  return {
    list(): Promise<NotificationChannel[]> {
      return deps.store.listChannels();
    },

    async create(by: Requester, input: NotificationChannelInput): Promise<NotificationChannel> {
      const checked = checkNotificationChannelInput(input, policy);
      const now = deps.clock.now();
      const created = await deps.store.createChannel(deps.newId(), checked, now);
      await deps.audit.record(
        successAudit(
          by,
          "createNotificationChannel",
          {
            id: created.id,
            name: checked.name,
            url: checked.url,
            format: checked.format,
            events: checked.events,
            signed: checked.secret !== null,
          },
          now,
        ),
      );
      return created;
    },

    async delete(by: Requester, id: string): Promise<boolean> {
      const deleted = await deps.store.deleteChannel(checkChannelId(id));
      if (!deleted) {
        throw new NotFoundError("notification channel", id);
      }
      await deps.audit.record(successAudit(by, "deleteNotificationChannel", { id }, deps.clock.now()));
      return true;
    },

    /**
     * Sends `notification.test` now, from a job process (the notify-test job;
     * the API itself never calls out), and answers whether the receiver said
     * 2xx. Bounded: the job's POST by NOTIFY_DELIVERY_TIMEOUT, the wait by `testWaitMs`.
     */
    async test(by: Requester, id: string): Promise<boolean> {
      const target = await channel(id);
      const job = await deps.jobs.enqueue("notify-test", { channelId: target.id, actor: actorOf(by) });
      const result = await deps.jobs.waitForResult(job.id, deps.testWaitMs);
      const delivered = isDelivered(result);
      await deps.audit.record(
        successAudit(by, "testNotificationChannel", { id, jobId: job.id, delivered }, deps.clock.now()),
      );
      return delivered;
    },
  };
}

export type NotificationChannelService = ReturnType<typeof createNotificationChannelService>;
