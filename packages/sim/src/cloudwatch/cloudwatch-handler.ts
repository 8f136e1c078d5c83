import { raiseInjectedFault } from "../faults";
import { type HttpRequest, type HttpResponse, regionFromAuthorization } from "../http/http-types";
import { newRequestId } from "../state/instance";
import { CloudWatchError, cloudWatchFaultErrors } from "./cloudwatch-error";
import { getMetricData, type MetricDeps } from "./get-metric-data";
import { asObject } from "./json-input";
import { putMetricData } from "./put-metric-data";

const TARGET_PREFIX = "GraniteServiceVersion20100801.";
const JSON_CONTENT_TYPE = "application/x-amz-json-1.0";

export function isCloudWatchRequest(request: HttpRequest): boolean {
  const target = request.headers["x-amz-target"];
  return typeof target === "string" && target.startsWith(TARGET_PREFIX);
}

/** CloudWatch in the AWS JSON 1.0 protocol, query-compatible mode (what @aws-sdk/client-cloudwatch >= 3.949 speaks). */
export function handleCloudWatch(request: HttpRequest, deps: MetricDeps): HttpResponse {
  const requestId = newRequestId();
  const target = request.headers["x-amz-target"];
  const action = typeof target === "string" ? target.slice(TARGET_PREFIX.length) : "";
  const region = regionFromAuthorization(request.headers, "us-east-1");
  const { state } = deps;
  state.stats.count("cloudwatch", action);
  try {
    raiseInjectedFault(state.faults, action, cloudWatchFaultErrors, region);
    const body = asObject(parseBody(request.body), "request body");
    let result: unknown;
    switch (action) {
      case "GetMetricData":
        result = getMetricData(body, region, deps);
        break;
      case "PutMetricData":
        result = putMetricData(body, region, {
          customMetrics: deps.customMetrics,
          now: state.now,
          onPut: (seriesKeys) => state.stats.metricDataPut(seriesKeys),
        });
        break;
      default:
        throw new CloudWatchError("InvalidAction", `The action ${action} is not supported by the simulator.`);
    }
    return {
      status: 200,
      headers: { "content-type": JSON_CONTENT_TYPE, "x-amzn-requestid": requestId },
      body: JSON.stringify(result),
    };
  } catch (error) {
    if (error instanceof CloudWatchError) {
      return {
        status: error.httpStatus,
        headers: {
          "content-type": JSON_CONTENT_TYPE,
          "x-amzn-requestid": requestId,
          "x-amzn-query-error": `${error.code};${error.fault}`,
        },
        body: JSON.stringify({ __type: `com.amazonaws.cloudwatch#${error.shape}`, message: error.message }),
      };
    }
    throw error;
  }
}

function parseBody(body: string): unknown {
  try {
    return body === "" ? {} : JSON.parse(body);
  } catch {
    throw new CloudWatchError("SerializationException", "The request body is not valid JSON.");
  }
}
