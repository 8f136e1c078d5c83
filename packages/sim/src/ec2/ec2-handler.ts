import { raiseInjectedFault } from "../faults";
import { type HttpRequest, type HttpResponse, regionFromAuthorization } from "../http/http-types";
import { newRequestId } from "../state/instance";
import type { SimState } from "../state/sim-state";
import { describeImages } from "./describe-images";
import { describeInstanceStatus } from "./describe-instance-status";
import { describeInstances } from "./describe-instances";
import { describeRegions, describeSecurityGroups, describeSubnets } from "./describe-network";
import { describeVolumes } from "./describe-volumes";
import type { Ec2Action } from "./ec2-action";
import { Ec2Error, ec2FaultErrors } from "./ec2-error";
import { startInstances, stopInstances, terminateInstances } from "./instance-state-actions";
import { QueryParams } from "./query-params";
import { rebootInstances } from "./reboot-instances";
import { runInstances } from "./run-instances";
import { createSnapshot, deleteSnapshot, describeSnapshots } from "./snapshot-actions";
import { createTags, deleteTags } from "./tag-actions";
import { ec2ErrorResponse, ec2Response } from "./xml";

const ACTIONS: Readonly<Record<string, Ec2Action>> = {
  RunInstances: runInstances,
  StartInstances: startInstances,
  StopInstances: stopInstances,
  TerminateInstances: terminateInstances,
  RebootInstances: rebootInstances,
  DescribeInstances: describeInstances,
  DescribeInstanceStatus: describeInstanceStatus,
  CreateTags: createTags,
  DeleteTags: deleteTags,
  DescribeImages: describeImages,
  DescribeRegions: describeRegions,
  DescribeSubnets: describeSubnets,
  DescribeSecurityGroups: describeSecurityGroups,
  DescribeVolumes: describeVolumes,
  CreateSnapshot: createSnapshot,
  DescribeSnapshots: describeSnapshots,
  DeleteSnapshot: deleteSnapshot,
};

function xmlHeaders(requestId: string): Record<string, string> {
  return { "content-type": "text/xml;charset=UTF-8", "x-amzn-requestid": requestId };
}

/** EC2's ec2Query protocol: form-encoded `Action=...` in, XML out. */
export function handleEc2(request: HttpRequest, state: SimState): HttpResponse {
  const requestId = newRequestId();
  const params = QueryParams.parse(request.body);
  const action = params.string("Action") ?? "";
  const region = regionFromAuthorization(request.headers, "us-east-1");
  state.stats.count("ec2", action || "(none)");
  try {
    const handler = ACTIONS[action];
    if (!handler) {
      throw new Ec2Error("InvalidAction", `The action ${action} is not valid for this web service.`);
    }
    raiseInjectedFault(state.faults, action, ec2FaultErrors, region);
    return {
      status: 200,
      headers: xmlHeaders(requestId),
      body: ec2Response(action, requestId, handler(params, region, state)),
    };
  } catch (error) {
    if (error instanceof Ec2Error) {
      return {
        status: error.httpStatus,
        headers: xmlHeaders(requestId),
        body: ec2ErrorResponse(error.code, error.message, requestId),
      };
    }
    throw error;
  }
}
