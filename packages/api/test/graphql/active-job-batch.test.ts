import { userActor } from "@cml-fleet/core/domain/actor";
import { workerJobId } from "@cml-fleet/core/domain/job";
import type { Worker } from "@cml-fleet/core/domain/worker";
import { queueName } from "@cml-fleet/platform/queue/queue-definitions";
import { Queue } from "bullmq";
import { Pipeline, Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aWorker } from "../support/worker-factory";
import { dataOf, gql } from "./support/graphql-client";
import { useTestFleet } from "./support/test-fleet";

const { fleet, api } = useTestFleet("active-job-batch");

const PAGE_QUERY = `query($first: Int!) { workers(first: $first) { edges { node {
  id name status activeJob { id name state startedAt } } } } }`;

interface Page {
  workers: {
    edges: {
      node: { id: string; activeJob: { id: string; state: string; startedAt: string | null } | null };
    }[];
  };
}

const workers: Worker[] = [];
let stopQueue: Queue;

beforeAll(async () => {
  for (let n = 0; n < 20; n++) {
    const worker = aWorker({ status: "RUNNING" }, n);
    await fleet.workers.insert(worker, []);
    workers.push(worker);
  }
  // Every fourth worker has a stop job waiting (no job process runs here, so it stays WAITING).
  stopQueue = new Queue(queueName("stop"), { connection: fleet.redis, prefix: fleet.prefix });
  for (const worker of workers.filter((_, index) => index % 4 === 0)) {
    await stopQueue.add(
      "stop",
      { workerId: worker.id, actor: userActor("u1", "alice"), reason: "test" },
      { jobId: workerJobId("stop", worker.id) },
    );
  }
});

afterAll(() => stopQueue.close());

/**
 * Writes to Redis during `work`, from any ioredis connection of this
 * process: a command sent on its own is one, a pipeline is one however many
 * commands it holds (ioredis sends a pipeline's commands through
 * sendCommand with the pipeline's own buffer, so those are not counted twice).
 */
async function redisRoundTrips(work: () => Promise<unknown>): Promise<number> {
  let trips = 0;
  const sendCommand = Redis.prototype.sendCommand;
  const exec = Pipeline.prototype.exec;
  Redis.prototype.sendCommand = function (this: Redis, ...args: Parameters<Redis["sendCommand"]>) {
    if (args[1] === undefined) {
      trips++;
    }
    return sendCommand.apply(this, args);
  };
  Pipeline.prototype.exec = function (this: Pipeline, ...args: Parameters<Pipeline["exec"]>) {
    trips++;
    return exec.apply(this, args);
  };
  try {
    await work();
  } finally {
    Redis.prototype.sendCommand = sendCommand;
    Pipeline.prototype.exec = exec;
  }
  return trips;
}

async function page(first: number): Promise<Page> {
  return dataOf(await gql<Page>(api.url, PAGE_QUERY, { token: fleet.tokens.VIEWER, variables: { first } }));
}

describe("Worker.activeJob on a page of workers", () => {
  it("is read for the whole page in one Redis round trip, with the same SQL statements for 5 workers as for 20", async () => {
    // The first request also stamps the token's lastUsedAt; count from a steady state.
    await page(1);
    let twenty: Page | undefined;
    const tripsForTwenty = await redisRoundTrips(async () => {
      twenty = await page(20);
    });
    const tripsForFive = await redisRoundTrips(() => page(5));
    const statementsForTwenty = await fleet.db.recordStatements(() => page(20));
    const statementsForFive = await fleet.db.recordStatements(() => page(5));

    expect(tripsForTwenty).toBe(1);
    expect(tripsForFive).toBe(1);
    expect(statementsForTwenty.length).toBe(statementsForFive.length);
    // The token lookup and the page (its total rides on the page's statement).
    expect(statementsForTwenty.length).toBeLessThanOrEqual(3);

    const byWorker = new Map(twenty?.workers.edges.map(({ node }) => [node.id, node.activeJob]));
    workers.forEach((worker, index) => {
      expect(byWorker.get(worker.id)).toEqual(
        index % 4 === 0
          ? { id: workerJobId("stop", worker.id), name: "stop", state: "WAITING", startedAt: null }
          : null,
      );
    });
  });
});
