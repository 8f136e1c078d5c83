import { json } from "../../http/http-types";
import type { CmlRoute } from "./route-context";

/** Every event, oldest first, no filter or paging (as CML 2.9 answers). */
export const telemetryEvents: CmlRoute = (_request, { controller }) => json(200, controller.events);
