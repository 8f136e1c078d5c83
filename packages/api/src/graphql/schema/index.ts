import { builder } from "../builder";
import "./enums";
import "./tag";
import "./worker-details";
import "./worker";
import "./worker-connection";
import "./worker-mutations";
import "./worker-labs";
import "./worker-trust";
import "./worker-accounts";
import "./worker-cml-url";
import "./worker-tags";
import "./worker-owner";
import "./worker-status-checks";
import "./worker-snapshots";
import "./job";
import "./fleet-event";
import "./fleet-summary";
import "./api-token";
import "./audit-log";
import "./notification-channels";
import "./schedules";

/** The whole schema: every type module registers itself on the builder when imported. */
export const schema = builder.toSchema({ sortSchema: true });
