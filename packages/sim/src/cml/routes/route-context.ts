import type { InstanceLoad } from "../../cloudwatch/metric-synth";
import { type HttpRequest, type HttpResponse, json } from "../../http/http-types";
import type { SimInstance } from "../../state/instance";
import type { Scheduler } from "../../state/scheduler";
import type { SimState } from "../../state/sim-state";
import type { CmlController } from "../cml-controller";
import type { CmlSettings } from "../cml-settings";

/**
 * What routes use of the service that owns the controllers. CmlService provides
 * it; naming only this much keeps routes from depending on the service module,
 * which depends on the route table.
 */
export interface CmlHost {
  readonly settings: CmlSettings;
  readonly scheduler: Scheduler;
  readonly state: SimState;
  isReady(instance: SimInstance): boolean;
  loadOf(instance: SimInstance): InstanceLoad;
}

export interface CmlRequestContext {
  readonly instance: SimInstance;
  readonly controller: CmlController;
  readonly service: CmlHost;
}

export type CmlRoute = (
  request: HttpRequest,
  context: CmlRequestContext,
  params: Readonly<Record<string, string>>,
) => HttpResponse;

export function cmlError(status: number, description: string): HttpResponse {
  return json(status, { code: status, description });
}
