import {
  checkNotificationChannelInput,
  type NotificationChannel,
  type NotificationFormat,
  notificationUrlProblem,
  TEST_NOTIFICATION_TYPE,
} from "../domain/notification-channel";
import { notificationRequest } from "../domain/notification-message";
import type { Requester } from "../domain/requester";
import { NotFoundError, ValidationError } from "../errors";
import type { AuditLog } from "../ports/audit-log.port";
import type { Clock } from "../ports/clock.port";
import type { NotificationStore } from "../ports/notification-store.port";
import type { WebhookSender } from "../ports/webhook-sender.port";
import { successAudit } from "./request-audit";

export interface NotificationChannelServiceDeps {
  readonly store: NotificationStore;
  readonly sender: WebhookSender;
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

    /** Sends `notification.test` now; true when the receiver answered 2xx. The outcome is the channel's last. */
    async test(by: Requester, id: string): Promise<boolean> {
      const target = await channel(id);
      const now = deps.clock.now();
      const urlProblem = notificationUrlProblem(target.url, policy);
      const outcome =
        urlProblem !== null
          ? { ok: false as const, error: `the channel's URL ${urlProblem}` }
          : await deps.sender.post(
              target.url,
              notificationRequest(
                {
                  id: deps.newId(),
                  type: TEST_NOTIFICATION_TYPE,
                  at: now,
                  workerId: null,
                  workerName: null,
                  message: `Test of notification channel ${target.name}, sent by ${by.name}`,
                  data: {},
                },
                target,
                deps.newId(),
              ),
            );
      await deps.store.recordChannelOutcome(target.id, {
        at: deps.clock.now(),
        error: outcome.ok ? null : outcome.error,
      });
      await deps.audit.record(
        successAudit(by, "testNotificationChannel", { id, delivered: outcome.ok }, deps.clock.now()),
      );
      return outcome.ok;
    },
  };
}

export type NotificationChannelService = ReturnType<typeof createNotificationChannelService>;
