import { checkOptionalText } from "@cml-fleet/core/domain/input-text";
import { encodeKeysetCursor } from "@cml-fleet/platform/repositories/keyset-cursor";
import { type AuditEntryView, toAuditEntryView } from "../audit-entry-view";
import { builder } from "../builder";
import { boundedFirst } from "../list-bounds";

const AuditEntryRef = builder.objectRef<AuditEntryView>("AuditEntry").implement({
  description: "One request recorded in the audit log: every mutation, and every refusal.",
  fields: (t) => ({
    id: t.exposeID("id"),
    at: t.expose("at", { type: "DateTime" }),
    actor: t.exposeString("actor", {
      description: "Who asked: a token's name, an OIDC user, or anonymous.",
    }),
    action: t.exposeString("action", {
      description:
        "The operation, e.g. stopWorker (a refusal of several fields in one request lists them, comma-separated).",
    }),
    target: t.exposeString("target", {
      nullable: true,
      description: "What it acted on, e.g. a worker id.",
    }),
    outcome: t.exposeString("outcome", { description: "allowed, denied or failed." }),
    cursor: t.string({
      description: "Pass as `after` to `auditLog` for the entries older than this one.",
      resolve: (entry) => encodeKeysetCursor({ at: entry.at, id: entry.id }),
    }),
  }),
});

builder.queryField("auditLog", (t) =>
  t.field({
    type: [AuditEntryRef],
    description:
      "ADMIN only; newest first. Page with `after`: the cursor of the last entry of the previous page.",
    authScopes: { role: "ADMIN" },
    args: {
      first: t.arg.int({ description: "Page size, 1-500; 50 when omitted." }),
      actor: t.arg.string({ description: "Only this actor's entries (exactly this name)." }),
      action: t.arg.string({ description: "Only entries of this operation, e.g. stopWorker." }),
      since: t.arg({ type: "DateTime", description: "Only entries recorded at or after this instant." }),
      after: t.arg.string({ description: "The cursor of the last entry of the previous page." }),
    },
    resolve: async (_root, args, context) => {
      const records = await context.reads.audit.read({
        first: boundedFirst("first", args.first, 50),
        actor: checkOptionalText("auditActor", "actor", args.actor) ?? undefined,
        operation: checkOptionalText("auditAction", "action", args.action) ?? undefined,
        since: args.since ?? undefined,
        after: checkOptionalText("cursor", "after", args.after) ?? undefined,
      });
      return records.map(toAuditEntryView);
    },
  }),
);
