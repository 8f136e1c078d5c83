import { describeActor } from "@cml-fleet/core/domain/actor";
import type { FleetEvent } from "@cml-fleet/core/domain/fleet-event";
import { checkOptionalText } from "@cml-fleet/core/domain/input-text";
import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { builder } from "../builder";
import { boundedFirst } from "../list-bounds";
import { onlyAbout } from "../topic-subscription";

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
    actor: t.string({ resolve: (event) => describeActor(event.actor) }),
  }),
});

builder.queryField("events", (t) =>
  t.field({
    type: [FleetEventRef],
    description: "The latest events, newest first; of one worker when workerId is given.",
    authScopes: { role: "VIEWER" },
    args: { workerId: t.arg.id(), first: t.arg.int() },
    resolve: (_root, args, context) =>
      context.reads.workers.listEvents(
        checkOptionalText("workerId", "workerId", args.workerId),
        boundedFirst("first", args.first, 50),
      ),
  }),
);

builder.subscriptionField("fleetEvents", (t) =>
  t.field({
    type: FleetEventRef,
    authScopes: { role: "VIEWER" },
    args: { workerId: t.arg.id() },
    subscribe: (_root, args, context) =>
      onlyAbout(
        context.pubsub.subscribe(TOPICS.fleetEvent),
        checkOptionalText("workerId", "workerId", args.workerId),
        (event) => event.workerId,
      ),
    resolve: (event) => event,
  }),
);
