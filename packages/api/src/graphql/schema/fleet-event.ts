import { describeActor } from "@cml-fleet/core/domain/actor";
import type { FleetEvent } from "@cml-fleet/core/domain/fleet-event";
import { checkOptionalText } from "@cml-fleet/core/domain/input-text";
import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { encodeKeysetCursor } from "@cml-fleet/platform/repositories/keyset-cursor";
import { builder } from "../builder";
import { boundedFirst } from "../list-bounds";
import { onlyAbout } from "../topic-subscription";
import { forSubscriber, onOwnedWorker, ownerScope } from "../worker-ownership";

export const FleetEventRef = builder.objectRef<FleetEvent>("FleetEvent");

FleetEventRef.implement({
  description: "Something that happened to a worker or the fleet.",
  fields: (t) => ({
    id: t.exposeID("id"),
    type: t.exposeString("type"),
    workerId: t.exposeID("workerId", { nullable: true }),
    at: t.expose("at", { type: "DateTime" }),
    message: t.exposeString("message"),
    reason: t.exposeString("reason", { nullable: true }),
    actor: t.string({
      description: "Who or what acted: an identity, or system:<component>.",
      resolve: (event) => describeActor(event.actor),
    }),
    data: t.field({
      type: "JSON",
      nullable: true,
      description:
        "The facts behind the event, e.g. the policy numbers that decided an auto-stop. Every string in it is cleaned of control characters on the way out.",
      resolve: (event) => event.data,
    }),
    cursor: t.string({
      description: "Pass as `after` to `events` for the events older than this one.",
      resolve: (event) => encodeKeysetCursor({ at: event.at, id: event.id }),
    }),
  }),
});

builder.queryField("events", (t) =>
  t.field({
    type: [FleetEventRef],
    description:
      "The latest events, newest first; of one worker when workerId is given. Page with `after`: the cursor of the last event of the previous page.",
    authScopes: onOwnedWorker("workerId", { role: "VIEWER", user: "read" }),
    args: {
      workerId: t.arg.id(),
      first: t.arg.int({ description: "Page size, 1-500; 50 when omitted." }),
      after: t.arg.string({ description: "The cursor of the last event of the previous page." }),
    },
    resolve: (_root, args, context) =>
      context.reads.workers.listEvents(
        checkOptionalText("workerId", "workerId", args.workerId),
        boundedFirst("first", args.first, 50),
        checkOptionalText("cursor", "after", args.after),
        ownerScope(context),
      ),
  }),
);

builder.subscriptionField("fleetEvents", (t) =>
  t.field({
    type: FleetEventRef,
    authScopes: onOwnedWorker("workerId", { role: "VIEWER", user: "read" }),
    args: { workerId: t.arg.id() },
    subscribe: (_root, args, context) =>
      forSubscriber(
        context,
        onlyAbout(
          context.pubsub.subscribe(TOPICS.fleetEvent),
          checkOptionalText("workerId", "workerId", args.workerId),
          (event) => event.workerId,
        ),
        (event) => event.workerId,
      ),
    resolve: (event) => event,
  }),
);
