import { describe, expect, it } from "vitest";
import { otlpTracesUrl } from "./tracing";

describe("otlpTracesUrl", () => {
  it("is off when no endpoint is set", () => {
    expect(otlpTracesUrl({})).toBeNull();
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: "  " })).toBeNull();
  });

  it("adds the traces path to the general endpoint, once", () => {
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" })).toBe(
      "http://collector:4318/v1/traces",
    );
    expect(otlpTracesUrl({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" })).toBe(
      "http://collector:4318/v1/traces",
    );
  });

  it("uses the traces endpoint as given, ahead of the general one", () => {
    expect(
      otlpTracesUrl({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "http://traces:9999/custom",
      }),
    ).toBe("http://traces:9999/custom");
  });

  it("is off when the SDK is disabled or the traces exporter is none, whatever the endpoint", () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" };
    expect(otlpTracesUrl({ ...endpoint, OTEL_SDK_DISABLED: "true" })).toBeNull();
    expect(otlpTracesUrl({ ...endpoint, OTEL_TRACES_EXPORTER: "none" })).toBeNull();
    expect(otlpTracesUrl({ ...endpoint, OTEL_SDK_DISABLED: "false", OTEL_TRACES_EXPORTER: "otlp" })).toBe(
      "http://collector:4318/v1/traces",
    );
  });
});
