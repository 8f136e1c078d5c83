import { TOPICS } from "@cml-fleet/platform/pubsub/topics";
import { beforeAll, describe, expect, it } from "vitest";
import { anEvent, aWorker } from "../support/worker-factory";
import { dataOf, gql } from "./support/graphql-client";
import { type TestApi, useTestFleet } from "./support/test-fleet";

const { fleet, api } = useTestFleet("fleet-summary-freshness");
let replica: TestApi;

beforeAll(async () => {
  // Another API process of the same deployment: the one the fleet event comes from.
  replica = await fleet.startApi();
  for (let n = 0; n < 3; n++) {
    await fleet.workers.insert(aWorker({ status: "RUNNING" }, n), []);
  }
});

async function total(): Promise<number> {
  const read = dataOf(
    await gql<{ fleetSummary: { total: number } }>(api.url, "{ fleetSummary { total } }", {
      token: fleet.tokens.VIEWER,
    }),
  );
  return read.fleetSummary.total;
}

describe("fleetSummary, reused by an API process between fleet events", () => {
  it("counts a new worker as soon as its fleet event reaches the process, from whichever process it came", async () => {
    expect(await total()).toBe(3);
    const worker = aWorker({ status: "PENDING" }, 3);
    await fleet.workers.insert(worker, []);

    // The API's own listener was added first, so once this one hears the event, the API has too.
    const heard = new Promise<void>((resolve) => {
      const stop = api.app.deps.pubsub.listen(TOPICS.fleetEvent, () => {
        stop();
        resolve();
      });
    });
    await replica.app.deps.pubsub.publishConfirmed(TOPICS.fleetEvent, {
      ...anEvent({ workerId: worker.id }),
      id: "1",
    });
    await heard;

    expect(await total()).toBe(4);
  });
});
