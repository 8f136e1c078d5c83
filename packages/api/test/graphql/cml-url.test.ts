import { userActor } from "@cml-fleet/core/domain/actor";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { describe, expect, it } from "vitest";
import { anEvent, aWorker } from "../support/worker-factory";
import { dataOf, gql } from "./support/graphql-client";
import { type TestApi, type TestFleet, useTestFleet } from "./support/test-fleet";

async function seed(fleet: TestFleet, overrides: Partial<Worker>): Promise<Worker> {
  const worker = aWorker(overrides);
  await fleet.workers.insert(worker, [
    anEvent({ workerId: worker.id, at: worker.createdAt, message: "seeded", actor: userActor("t", "t") }),
  ]);
  return worker;
}

async function linksOf(fleet: TestFleet, api: TestApi, id: string) {
  const answer = await gql<{ worker: { cmlUrl: string | null; endpoint: string | null } }>(
    api.url,
    "query ($id: ID!) { worker(id: $id) { cmlUrl endpoint } }",
    { token: fleet.tokens.VIEWER, variables: { id } },
  );
  return dataOf(answer).worker;
}

describe("Worker.cmlUrl with CML_HTTPS_PORT=9443 (and the API on CML_API_PORT=8443)", () => {
  const { fleet, api } = useTestFleet("cml-url-9443", {
    env: { CML_HTTPS_PORT: "9443", CML_API_PORT: "8443" },
  });

  it("links the web UI on the HTTPS port, not on the API port", async () => {
    const worker = await seed(fleet, {
      status: "RUNNING",
      publicIp: "203.0.113.7",
      endpoint: "https://203.0.113.7:8443",
    });
    expect(await linksOf(fleet, api, worker.id)).toEqual({
      cmlUrl: "https://203.0.113.7:9443/",
      endpoint: "https://203.0.113.7:8443",
    });
  });

  it("has no link while the worker is not running", async () => {
    const worker = await seed(fleet, { status: "STOPPED", publicIp: null, privateIp: "10.0.0.9" });
    expect((await linksOf(fleet, api, worker.id)).cmlUrl).toBeNull();
  });
});

describe("Worker.cmlUrl with CML_HTTPS_PORT=443", () => {
  const { fleet, api } = useTestFleet("cml-url-443", { env: { CML_HTTPS_PORT: "443" } });

  it("leaves HTTPS's own port out of the link, and uses the private address when there is no public one", async () => {
    const worker = await seed(fleet, { status: "RUNNING", publicIp: null, privateIp: "10.0.0.9" });
    expect((await linksOf(fleet, api, worker.id)).cmlUrl).toBe("https://10.0.0.9/");
  });
});
