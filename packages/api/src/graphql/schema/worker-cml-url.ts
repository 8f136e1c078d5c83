import { cmlWebUrl } from "@cml-fleet/core/domain/cml-web-url";
import { builder } from "../builder";
import { WorkerRef } from "./worker";

/** The link people open to use a worker's CML (CML_HTTPS_PORT), beside `endpoint`, the API the fleet calls. */
builder.objectFields(WorkerRef, (t) => ({
  cmlUrl: t.string({
    nullable: true,
    description:
      "Link to the worker's CML web UI (https on CML_HTTPS_PORT); null unless the worker is RUNNING with an address.",
    resolve: (worker, _args, context) => cmlWebUrl(worker, context.reads.settings.cml.httpsPort),
  }),
}));
