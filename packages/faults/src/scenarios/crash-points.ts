import type { FaultStack } from "../fault-stack";
import { auditInstances, auditProblems, type Intent, intentGap } from "../fleet-invariants";
import type { WorkerView } from "../graphql-client";
import type { SeededRandom } from "../seeded-random";
import { secondsSince, sleep, WaitTimeoutError, waitUntil } from "../wait";
import { reached } from "./provisioned-workers";

export type OperationKind = "provision" | "start" | "stop" | "terminate" | "license";

const KINDS: readonly OperationKind[] = ["provision", "start", "stop", "terminate", "license"];

/**
 * How long after the mutation a kill may come, per kind: about as long as the job takes with the suite's simulator
 * delays (provision launches, boots, waits for CML and registers the license), so the points spread over its steps.
 */
const KILL_WINDOW_MS: Readonly<Record<OperationKind, number>> = {
  provision: 4_000,
  start: 2_000,
  stop: 1_200,
  terminate: 1_200,
  license: 1_500,
};

/** The most live workers the scenario keeps. */
const MAX_LIVE = 4;

/** A worker the scenario created, and what was last asked of it (and accepted). */
interface Tracked {
  readonly id: string;
  readonly name: string;
  intent: Intent;
  /**
   * Whether it holds a CML license: a start keeps what it held (it registers nothing), and a stopped worker that
   * holds one refuses a terminate by design (its CML cannot deregister it), so it is no terminate crash point.
   */
  licensed: boolean;
  /** Set once a crash point left it short of its intent: later rounds neither pick nor wait for it. */
  stuck?: boolean;
}

/** One kill -9 point: what was asked, when the kill came, whether it converged and how fast. */
export interface CrashPoint {
  readonly round: number;
  readonly kind: OperationKind;
  /** Whether the API was killed too, with the mutation in flight (the intent may or may not have been saved). */
  readonly apiKilled: boolean;
  readonly delayMs: number;
  /** Whether the API answered the mutation (accepted); false when it was killed first. */
  readonly accepted: boolean;
  readonly converged: boolean;
  /** Seconds from the kill to every intent reached; null when it did not converge or the API saved nothing. */
  readonly seconds: number | null;
  readonly problems: readonly string[];
}

export interface CrashPointsResult {
  readonly points: readonly CrashPoint[];
  readonly workers: number;
  readonly convergedWorkers: number;
  readonly duplicates: number;
  readonly orphans: number;
  /** Every problem found, in words (empty when the scenario held). */
  readonly problems: readonly string[];
}

export interface CrashPointsOptions {
  readonly rounds: number;
  /** How long each crash point may take to converge (a bound against a hang, not a timing assertion). */
  readonly convergeTimeoutMs: number;
  /** Every how many rounds the API is killed too, mid-mutation (0: never). */
  readonly apiCrashEvery: number;
  /** No round starts after this long (the scenario then reports the rounds it ran). */
  readonly budgetMs: number;
  readonly log?: (line: string) => void;
}

/**
 * `rounds` kill -9 points spread evenly over provision, start, stop, terminate and license jobs: a mutation
 * through the API, a seeded random delay inside the job's run, SIGKILL of the job process (and every
 * `apiCrashEvery`-th round of the API with the request in flight), a restart, and a bounded wait until every
 * accepted intent is reached; then the instances are audited against the workers.
 */
export async function runCrashPoints(
  stack: FaultStack,
  random: SeededRandom,
  options: CrashPointsOptions,
): Promise<CrashPointsResult> {
  const log = options.log ?? (() => {});
  const quota = new Map<OperationKind, number>(
    KINDS.map((kind, index) => [
      kind,
      Math.floor(options.rounds / KINDS.length) + (index < options.rounds % KINDS.length ? 1 : 0),
    ]),
  );
  const tracked: Tracked[] = [];
  const points: CrashPoint[] = [];
  const problems: string[] = [];
  let created = 0;

  const startedAt = Date.now();
  const live = () =>
    tracked.filter((worker) => worker.intent.status !== "TERMINATED" && worker.stuck !== true);
  const candidates = (kind: OperationKind): Tracked[] => {
    switch (kind) {
      case "provision":
        return [];
      case "start":
        return live().filter((worker) => worker.intent.status === "STOPPED");
      case "stop":
      case "license":
        return live().filter((worker) => worker.intent.status === "RUNNING");
      case "terminate":
        return live().filter((worker) => worker.intent.status === "RUNNING" || !worker.licensed);
    }
  };
  // A terminate waits for a second live worker while workers may still be created, so several live side by side.
  const applicable = (kind: OperationKind) =>
    kind === "provision"
      ? live().length < MAX_LIVE
      : candidates(kind).length > 0 &&
        (kind !== "terminate" || live().length >= 2 || (quota.get("provision") ?? 0) === 0);

  for (let round = 1; round <= options.rounds; round++) {
    if (Date.now() - startedAt > options.budgetMs) {
      problems.push(`out of time after ${round - 1} rounds (budget ${options.budgetMs / 1000} s)`);
      break;
    }
    let open = KINDS.filter((kind) => (quota.get(kind) ?? 0) > 0 && applicable(kind));
    for (let preparations = 0; open.length === 0 && preparations < 2; preparations++) {
      // The kinds still due have no worker to act on (a start, but none is stopped): one operation, not a crash
      // point, gives them one.
      created += await prepare(stack, tracked, quota, created, options.convergeTimeoutMs, log);
      open = KINDS.filter((kind) => (quota.get(kind) ?? 0) > 0 && applicable(kind));
    }
    const most = Math.max(0, ...open.map((kind) => quota.get(kind) ?? 0));
    // Nothing open (e.g. a start is due but no worker is stopped): a kind that opens the others.
    const fallback: OperationKind =
      live().length < MAX_LIVE ? "provision" : candidates("stop").length > 0 ? "stop" : "start";
    const kind: OperationKind =
      open.length === 0 ? fallback : random.pick(open.filter((entry) => quota.get(entry) === most));
    quota.set(kind, (quota.get(kind) ?? 0) - 1);
    const apiKilled = options.apiCrashEvery > 0 && round % options.apiCrashEvery === 0;
    const delayMs = apiKilled ? random.integer(0, 40) : random.integer(0, KILL_WINDOW_MS[kind]);

    // The worker and the intent of this round; a license is asked of an unregistered worker.
    let target: Tracked;
    let intent: Intent;
    let ask: () => Promise<WorkerView>;
    if (kind === "provision") {
      created += 1;
      const name = `crash-${created}`;
      target = { id: "", name, intent: { status: "RUNNING", licensed: true }, licensed: true };
      intent = { status: "RUNNING", licensed: true };
      ask = () => stack.client.createWorker(name);
    } else {
      target = random.pick(candidates(kind));
      const id = target.id;
      if (kind === "license") {
        await stack.client.call(
          "deregisterLicense",
          `mutation ($id: ID!) { deregisterLicense(id: $id) { job { id } } }`,
          {
            id,
          },
        );
        await waitUntil(
          `${target.name}'s license to be deregistered before the license crash point`,
          async () => {
            const worker = await stack.client.worker(id);
            const status = worker?.license.status ?? "gone";
            return { done: status !== "REGISTERED" && status !== "DEREGISTERING", seen: status };
          },
          { timeoutMs: 30_000, context: stack.context },
        );
        // Deregistered on purpose: until a registration is accepted, running is all that is asked of it.
        target.intent = { status: "RUNNING" };
        target.licensed = false;
      }
      intent =
        kind === "license"
          ? { status: "RUNNING", licensed: true }
          : kind === "start"
            ? { status: "RUNNING", licensed: target.licensed }
            : kind === "stop"
              ? { status: "STOPPED" }
              : { status: "TERMINATED" };
      ask = {
        start: () => stack.client.startWorker(id),
        stop: () => stack.client.stopWorker(id),
        terminate: () => stack.client.terminateWorker(id),
        license: () => stack.client.registerLicense(id),
      }[kind];
    }
    log(
      `round ${round}: ${kind} of ${target.name}, kill after ${delayMs} ms${apiKilled ? " (API too)" : ""}`,
    );

    let accepted = false;
    let killedAt: number;
    const roundStartedAt = Date.now();
    if (apiKilled) {
      const answer = ask().then(
        (worker) => {
          accepted = true;
          return worker;
        },
        () => null,
      );
      await sleep(delayMs);
      killedAt = Date.now();
      await Promise.all([stack.killApi(), stack.killJobs()]);
      const answered = await answer;
      if (answered !== null && kind === "provision") {
        target = { ...target, id: answered.id };
      }
      await stack.startApi();
      await stack.startJobs();
      log(`round ${round}: API and job process restarted in ${secondsSince(killedAt)} s`);
      // What the API saved before it died is the intent that must land; nothing saved, nothing to land.
      if (kind === "provision" && target.id === "") {
        const saved = (await stack.client.workers()).find((worker) => worker.name === target.name);
        if (saved !== undefined) {
          target = { ...target, id: saved.id };
        }
      }
      const saved = target.id !== "" && (await savedSince(stack, target.id, kind, roundStartedAt));
      if (!saved && accepted) {
        problems.push(`round ${round}: ${kind} of ${target.name} was answered, yet its intent was not saved`);
      }
      if (!saved) {
        intent = kind === "provision" ? intent : target.intent;
      }
      if (kind === "provision" && target.id === "") {
        log(`round ${round}: the API died before it saved ${target.name}; nothing to land`);
        points.push({
          round,
          kind,
          apiKilled,
          delayMs,
          accepted,
          converged: true,
          seconds: null,
          problems: [],
        });
        continue;
      }
    } else {
      const answered = await ask();
      accepted = true;
      if (kind === "provision") {
        target = { ...target, id: answered.id };
      }
      await sleep(delayMs);
      killedAt = Date.now();
      await stack.killJobs();
      await stack.startJobs();
      log(`round ${round}: job process restarted in ${secondsSince(killedAt)} s`);
    }
    // An existing worker's object is the tracked one; a new worker joins the tracked.
    target.intent = intent;
    if (kind === "license" && intent.licensed === true) {
      target.licensed = true;
    }
    if (kind === "provision") {
      tracked.push(target);
    }

    const pointProblems: string[] = [];
    let converged = false;
    let seconds: number | null = null;
    try {
      await waitUntil(
        `every intent reached after the kill of round ${round} (${kind} of ${target.name})`,
        async () => {
          const gaps = await intentGaps(
            stack,
            tracked.filter((worker) => worker.stuck !== true),
          );
          return { done: gaps.length === 0, seen: gaps.join("; ") };
        },
        { timeoutMs: options.convergeTimeoutMs, intervalMs: 200, context: stack.context },
      );
      converged = true;
      seconds = secondsSince(killedAt);
    } catch (error) {
      if (!(error instanceof WaitTimeoutError)) {
        throw error;
      }
      pointProblems.push(error.message.split("\n")[0] ?? error.message);
      for (const gap of await intentGaps(stack, tracked)) {
        const worker = tracked.find((entry) => gap.startsWith(`${entry.name}:`));
        if (worker !== undefined) {
          worker.stuck = true;
        }
      }
    }
    const audit = auditInstances(await stack.client.workers(), await stack.sim.instances());
    pointProblems.push(...auditProblems(audit).map((problem) => `round ${round}: ${problem}`));
    problems.push(...pointProblems);
    points.push({ round, kind, apiKilled, delayMs, accepted, converged, seconds, problems: pointProblems });
    log(
      `round ${round}: ${accepted ? "accepted" : "not answered"}, ${converged ? `converged in ${seconds} s` : `did NOT converge: ${pointProblems[0]}`}`,
    );
  }

  const workers = await stack.client.workers();
  const audit = auditInstances(workers, await stack.sim.instances());
  const gaps = await intentGaps(stack, tracked);
  return {
    points,
    workers: tracked.length,
    convergedWorkers: tracked.length - gaps.length,
    duplicates: audit.duplicates.length,
    orphans: audit.orphans.length,
    problems: [...problems, ...gaps.map((gap) => `at the end: ${gap}`)],
  };
}

/** Every tracked worker whose intent is not reached, in words. */
async function intentGaps(stack: FaultStack, tracked: readonly Tracked[]): Promise<string[]> {
  const gaps: string[] = [];
  for (const worker of tracked) {
    const gap = intentGap(await stack.client.worker(worker.id), worker.intent);
    if (gap !== null) {
      gaps.push(
        `${worker.name}: ${gap} (asked ${worker.intent.status}${worker.intent.licensed === true ? ", licensed" : ""})`,
      );
    }
  }
  return gaps;
}

/** The operation each kind asks for, as its worker.operation_requested event names it. */
const OPERATION_NAMES: Readonly<Record<Exclude<OperationKind, "provision">, string>> = {
  start: "start",
  stop: "stop",
  terminate: "terminate",
  license: "register-license",
};

/**
 * Whether the API saved the round's request before it was killed: a worker it created, or the operation's
 * worker.operation_requested event written since the round began (the desired status alone cannot tell a license
 * request, nor a stop of a worker already heading to STOPPED).
 */
async function savedSince(
  stack: FaultStack,
  workerId: string,
  kind: OperationKind,
  since: number,
): Promise<boolean> {
  if (kind === "provision") {
    return true;
  }
  const operation = OPERATION_NAMES[kind];
  return (await stack.client.events(workerId, 20)).some(
    (event) =>
      event.type === "worker.operation_requested" &&
      Date.parse(event.at) >= since - 1_000 &&
      event.message.includes(`asked to ${operation}`) &&
      !event.message.includes(`asked to ${operation}-`),
  );
}

/**
 * One operation without a kill that gives the kinds still due a worker to act on: a stop when a start is due and
 * no worker is stopped, else a new worker while there is room, else a start. Answers how many workers it created.
 */
async function prepare(
  stack: FaultStack,
  tracked: Tracked[],
  quota: ReadonlyMap<OperationKind, number>,
  created: number,
  timeoutMs: number,
  log: (line: string) => void,
): Promise<number> {
  const live = tracked.filter((worker) => worker.intent.status !== "TERMINATED" && worker.stuck !== true);
  const running = live.filter((worker) => worker.intent.status === "RUNNING");
  const stopped = live.filter((worker) => worker.intent.status === "STOPPED");
  const [toStop] = running;
  if ((quota.get("start") ?? 0) > 0 && stopped.length === 0 && toStop !== undefined) {
    log(`preparing: stop of ${toStop.name} (no kill), so that a start can be a crash point`);
    await stack.client.stopWorker(toStop.id);
    toStop.intent = { status: "STOPPED" };
    await reached(stack, toStop.id, toStop.intent, timeoutMs);
    return 0;
  }
  const [toStart] = stopped;
  if (live.length < MAX_LIVE || toStart === undefined) {
    const name = `crash-${created + 1}`;
    log(`preparing: provision of ${name} (no kill), so that the kinds due have a worker`);
    const worker = await stack.client.createWorker(name);
    const intent: Intent = { status: "RUNNING", licensed: true };
    tracked.push({ id: worker.id, name, intent, licensed: true });
    await reached(stack, worker.id, intent, timeoutMs);
    return 1;
  }
  log(`preparing: start of ${toStart.name} (no kill), so that the kinds due have a running worker`);
  await stack.client.startWorker(toStart.id);
  toStart.intent = { status: "RUNNING", licensed: toStart.licensed };
  await reached(stack, toStart.id, toStart.intent, timeoutMs);
  return 0;
}
