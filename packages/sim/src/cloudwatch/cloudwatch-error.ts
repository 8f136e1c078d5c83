import type { FaultErrors } from "../faults";

/**
 * A CloudWatch error in the JSON 1.0 query-compatible shape: the SDK names the
 * exception after the code in `x-amzn-query-error` (`Code;Sender`).
 */
export class CloudWatchError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
    /** The modeled shape name for `__type`, where CloudWatch has one. */
    readonly shape = code,
  ) {
    super(message);
  }

  get fault(): "Sender" | "Receiver" {
    return this.httpStatus >= 500 ? "Receiver" : "Sender";
  }
}

export const cloudWatchErrors = {
  validation: (message: string) =>
    new CloudWatchError("ValidationError", message, 400, "ValidationException"),
  invalidParameter: (message: string) =>
    new CloudWatchError("InvalidParameterValue", message, 400, "InvalidParameterValueException"),
  missingParameter: (name: string) =>
    new CloudWatchError(
      "MissingParameter",
      `The parameter ${name} is required.`,
      400,
      "MissingRequiredParameterException",
    ),
  throttled: () => new CloudWatchError("Throttling", "Rate exceeded"),
  internal: () =>
    new CloudWatchError("InternalServiceError", "Internal service error", 500, "InternalServiceFault"),
  accessDenied: (action: string) =>
    new CloudWatchError(
      "AccessDenied",
      `User is not authorized to perform: cloudwatch:${action} because no identity-based policy allows the cloudwatch:${action} action`,
      403,
    ),
};

export const cloudWatchFaultErrors: FaultErrors = {
  deny: cloudWatchErrors.accessDenied,
  throttle: cloudWatchErrors.throttled,
  fail: cloudWatchErrors.internal,
};
