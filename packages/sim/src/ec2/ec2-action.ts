import type { SimState } from "../state/sim-state";
import type { QueryParams } from "./query-params";
import type { XmlNode } from "./xml";

/** One EC2 action: reads the query, acts on the state, returns the response body (inside `<ActionResponse>`). */
export type Ec2Action = (params: QueryParams, region: string, state: SimState) => XmlNode[];
