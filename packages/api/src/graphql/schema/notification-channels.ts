import { NOTIFICATION_FORMATS, type NotificationChannel } from "@cml-fleet/core/domain/notification-channel";
import { builder } from "../builder";

const NotificationFormatEnum = builder.enumType("NotificationFormat", { values: NOTIFICATION_FORMATS });

// No `secret` field, and nothing derived from it: a channel's secret is never readable through the API.
const NotificationChannelRef = builder.objectRef<NotificationChannel>("NotificationChannel").implement({
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    url: t.exposeString("url"),
    format: t.expose("format", { type: NotificationFormatEnum }),
    events: t.stringList({
      description: "Event types delivered, e.g. worker.idle_warning; empty means all.",
      resolve: (channel) => [...channel.events],
    }),
    enabled: t.exposeBoolean("enabled"),
    lastDeliveryAt: t.expose("lastDeliveryAt", { type: "DateTime", nullable: true }),
    lastError: t.exposeString("lastError", { nullable: true }),
  }),
});

const NotificationChannelInput = builder.inputType("NotificationChannelInput", {
  fields: (t) => ({
    name: t.string({ required: true }),
    url: t.string({ required: true }),
    format: t.field({ type: NotificationFormatEnum }),
    events: t.stringList(),
    secret: t.string({ description: "Signs every delivery (HMAC-SHA256); never readable afterwards." }),
  }),
});

builder.queryFields((t) => ({
  notificationChannels: t.field({
    type: [NotificationChannelRef],
    authScopes: { role: "ADMIN" },
    resolve: (_root, _args, context) => context.services.notificationChannels.list(),
  }),
}));

builder.mutationFields((t) => ({
  createNotificationChannel: t.field({
    type: NotificationChannelRef,
    authScopes: { role: "ADMIN" },
    args: { input: t.arg({ type: NotificationChannelInput, required: true }) },
    resolve: (_root, args, context) =>
      context.services.notificationChannels.create(
        context.access.require("createNotificationChannel"),
        args.input,
      ),
  }),
  deleteNotificationChannel: t.boolean({
    authScopes: { role: "ADMIN" },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.notificationChannels.delete(
        context.access.require("deleteNotificationChannel"),
        String(args.id),
      ),
  }),
  testNotificationChannel: t.boolean({
    description: "Sends a test event to the channel now; true when the receiver answered 2xx.",
    authScopes: { role: "ADMIN" },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, context) =>
      context.services.notificationChannels.test(
        context.access.require("testNotificationChannel"),
        String(args.id),
      ),
  }),
}));
