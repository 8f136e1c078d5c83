import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSettings } from "@cml-fleet/core/settings/load-settings";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTracingFromSettings, type Tracing } from "../../src/observability/tracing";

/** A local OTLP/HTTP receiver that records what reaches it. */
interface Collector {
  readonly url: string;
  readonly received: { path: string; body: string }[];
  close(): Promise<void>;
}

async function startCollector(): Promise<Collector> {
  const received: { path: string; body: string }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ path: request.url ?? "", body: Buffer.concat(chunks).toString("utf8") });
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let dir: string;
let tracing: Tracing | null = null;
const collectors: Collector[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cml-fleet-otel-"));
});

afterEach(async () => {
  await tracing?.shutdown();
  tracing = null;
  await Promise.all(collectors.splice(0).map((collector) => collector.close()));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A configuration file: a minimal valid fleet (one region with its AMI) plus `lines`. */
function configFile(lines: string): string {
  const path = join(dir, `fleet-${collectors.length}-${Date.now()}.yaml`);
  writeFileSync(path, `aws_allowed_regions: [us-east-1]\ncml_worker_ami_ids: {us-east-1: ami-0a}\n${lines}`);
  return path;
}

async function collector(): Promise<Collector> {
  const started = await startCollector();
  collectors.push(started);
  return started;
}

/** Starts tracing as the processes' mains do, ends one span, and flushes it. */
async function traceOneSpan(env: Record<string, string>, spanName: string): Promise<boolean> {
  const settings = loadSettings(env);
  tracing = startTracingFromSettings(env, settings.otel);
  const enabled = tracing.enabled;
  tracing.tracer.startSpan(spanName).end();
  await tracing.shutdown();
  tracing = null;
  return enabled;
}

describe("OTEL_EXPORTER_OTLP_ENDPOINT from the configuration file (CML_FLEET_CONFIG)", () => {
  it("exports traces to the endpoint the file names, under the file's service name", async () => {
    const otlp = await collector();
    const config = configFile(
      `otel_exporter_otlp_endpoint: ${otlp.url}\notel_service_name: fleet-from-file\n`,
    );

    expect(await traceOneSpan({ CML_FLEET_CONFIG: config }, "span via the file")).toBe(true);

    expect(otlp.received.map((request) => request.path)).toEqual(["/v1/traces"]);
    expect(otlp.received[0]?.body).toContain("span via the file");
    expect(otlp.received[0]?.body).toContain("fleet-from-file");
  });

  it("loses to the environment variable, as every setting does", async () => {
    const fromFile = await collector();
    const fromEnvironment = await collector();
    const config = configFile(`otel_exporter_otlp_endpoint: ${fromFile.url}\n`);

    await traceOneSpan(
      { CML_FLEET_CONFIG: config, OTEL_EXPORTER_OTLP_ENDPOINT: fromEnvironment.url },
      "span via the environment",
    );

    expect(fromFile.received).toEqual([]);
    expect(fromEnvironment.received[0]?.body).toContain("span via the environment");
  });

  it("leaves tracing off when neither names an endpoint, and when OTEL_SDK_DISABLED=true", async () => {
    const otlp = await collector();
    expect(await traceOneSpan({ CML_FLEET_CONFIG: configFile("log_level: info\n") }, "nowhere")).toBe(false);
    const config = configFile(`otel_exporter_otlp_endpoint: ${otlp.url}\n`);
    expect(await traceOneSpan({ CML_FLEET_CONFIG: config, OTEL_SDK_DISABLED: "true" }, "disabled")).toBe(
      false,
    );
    expect(otlp.received).toEqual([]);
  });
});
