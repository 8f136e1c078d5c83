import { describe, expect, it } from "vitest";
import { CloudError, type CloudErrorKind } from "../../errors";
import { callAws, toCloudError } from "./aws-error-mapping";

function sdkError(name: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), {
    name,
    $fault: "client",
    $metadata: { httpStatusCode: 400, requestId: "req-123" },
    ...extra,
  });
}

describe("toCloudError", () => {
  const cases: [string, CloudErrorKind][] = [
    ["InvalidInstanceID.NotFound", "not-found"],
    ["InvalidAMIID.NotFound", "not-found"],
    ["InvalidInstanceID.Malformed", "invalid-parameter"],
    ["InvalidParameterValue", "invalid-parameter"],
    ["IdempotentParameterMismatch", "invalid-parameter"],
    ["UnauthorizedOperation", "permission-denied"],
    ["AuthFailure", "permission-denied"],
    ["InstanceLimitExceeded", "quota-exceeded"],
    ["VcpuLimitExceeded", "quota-exceeded"],
    ["InsufficientInstanceCapacity", "unavailable"],
    ["IncorrectInstanceState", "invalid-state"],
    ["RequestLimitExceeded", "throttled"],
    ["Throttling", "throttled"],
    ["InvalidSubnetID.NotFound", "not-found"],
    ["InvalidKeyPair.Malformed", "invalid-parameter"],
    ["InvalidGroup.Duplicate", "invalid-parameter"],
  ];

  it.each(cases)("maps %s to %s, keeping the code and the request id", (code, kind) => {
    const mapped = toCloudError(sdkError(code), "ec2");
    expect(mapped).toBeInstanceOf(CloudError);
    expect(mapped.kind).toBe(kind);
    expect(mapped.awsCode).toBe(code);
    expect(mapped.requestId).toBe("req-123");
    expect(mapped.upstream).toBe("ec2");
    expect(mapped.message).toContain(`${code} happened`);
  });

  it("marks only throttling and unavailability as retryable", () => {
    expect(toCloudError(sdkError("RequestLimitExceeded"), "ec2").retryable).toBe(true);
    expect(toCloudError(sdkError("InsufficientInstanceCapacity"), "ec2").retryable).toBe(true);
    expect(toCloudError(sdkError("InstanceLimitExceeded"), "ec2").retryable).toBe(false);
    expect(toCloudError(sdkError("IncorrectInstanceState"), "ec2").code).toBe("CONFLICT");
  });

  it("maps network failures and timeouts to unavailable", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" });
    expect(toCloudError(refused, "cloudwatch")).toMatchObject({
      kind: "unavailable",
      awsCode: "ECONNREFUSED",
    });
    const timeout = Object.assign(new Error("request timed out"), { name: "TimeoutError" });
    expect(toCloudError(timeout, "ec2")).toMatchObject({ kind: "unavailable", awsCode: "TimeoutError" });
  });

  it("maps unknown server faults to unavailable and unknown client faults to invalid-parameter", () => {
    const server = sdkError("SomethingBroke", { $fault: "server", $metadata: { httpStatusCode: 503 } });
    expect(toCloudError(server, "ec2").kind).toBe("unavailable");
    expect(toCloudError(sdkError("WeirdClientThing"), "ec2").kind).toBe("invalid-parameter");
  });

  it("falls back to the RequestID property and tolerates non-errors", () => {
    const legacy = Object.assign(new Error("x"), { name: "AuthFailure", RequestID: "legacy-1" });
    expect(toCloudError(legacy, "ec2").requestId).toBe("legacy-1");
    expect(toCloudError("boom", "ec2")).toMatchObject({ kind: "unavailable", requestId: null });
  });

  it("passes CloudErrors through and wraps rejections in callAws", async () => {
    const original = new CloudError("throttled", "ec2", "Throttling", "slow down", null);
    expect(toCloudError(original, "ec2")).toBe(original);
    await expect(callAws("ec2", () => Promise.reject(sdkError("AuthFailure")))).rejects.toMatchObject({
      kind: "permission-denied",
    });
  });
});
