import type { FaultErrors } from "../faults";

/** An EC2 API error: the SDK raises an exception whose `name` is `code`. */
export class Ec2Error extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
  }
}

export const ec2Errors = {
  notFound: (ids: readonly string[]) =>
    new Ec2Error(
      "InvalidInstanceID.NotFound",
      ids.length === 1
        ? `The instance ID '${ids[0]}' does not exist`
        : `The instance IDs '${ids.join(", ")}' do not exist`,
    ),
  malformed: (id: string) => new Ec2Error("InvalidInstanceID.Malformed", `Invalid id: "${id}"`),
  invalidParameter: (message: string) => new Ec2Error("InvalidParameterValue", message),
  missingParameter: (name: string) =>
    new Ec2Error("MissingParameter", `The request must contain the parameter ${name}`),
  combination: (message: string) => new Ec2Error("InvalidParameterCombination", message),
  amiNotFound: (imageId: string) =>
    new Ec2Error("InvalidAMIID.NotFound", `The image id '[${imageId}]' does not exist`),
  amiMalformed: (imageId: string) =>
    new Ec2Error("InvalidAMIID.Malformed", `Invalid id: "${imageId}" (expecting "ami-...")`),
  throttled: () => new Ec2Error("RequestLimitExceeded", "Request limit exceeded.", 503),
  internal: () => new Ec2Error("InternalError", "An internal error has occurred", 500),
  unauthorized: (action: string) =>
    new Ec2Error(
      "UnauthorizedOperation",
      `You are not authorized to perform this operation. Action: ec2:${action}`,
      403,
    ),
};

export const ec2FaultErrors: FaultErrors = {
  deny: ec2Errors.unauthorized,
  throttle: ec2Errors.throttled,
  fail: ec2Errors.internal,
};
