import { JOB_KINDS, type JobKind } from "@cml-fleet/core/domain/job";
import type { ChainableCommander } from "ioredis";
import { queueName } from "../queue/queue-definitions";

/**
 * For each queue (KEYS: its wait list then its paused list, per kind), when
 * the job next in line became runnable: its `timestamp` plus the delay it was
 * added with (BullMQ zeroes the hash's `delay` when it promotes a delayed job,
 * so the delay is read from `opts`), or -1 when nothing waits. BullMQ pushes
 * new jobs on the left and takes from the right, so the job next in line is
 * the oldest. In Lua so that it stays one round trip with the other gauges.
 */
const OLDEST_WAITING_SCRIPT = `
local out = {}
for i = 1, #KEYS, 2 do
  local list = KEYS[i]
  local id = redis.call("LINDEX", list, -1)
  if not id then
    list = KEYS[i + 1]
    id = redis.call("LINDEX", list, -1)
  end
  local readyAt = -1
  if id then
    local base = string.sub(list, 1, string.len(list) - string.len(string.match(list, "[^:]+$")))
    local fields = redis.call("HMGET", base .. id, "timestamp", "opts")
    local timestamp = tonumber(fields[1])
    if timestamp then
      local delay = 0
      if fields[2] then
        local ok, opts = pcall(cjson.decode, fields[2])
        if ok and type(opts) == "table" and tonumber(opts["delay"]) then
          delay = math.max(0, tonumber(opts["delay"]))
        end
      end
      readyAt = timestamp + delay
    end
  end
  out[#out + 1] = readyAt
end
return out
`;

/** Adds the read of every kind's oldest waiting job to a scrape's pipeline (one EVAL). */
export function readOldestWaiting(pipeline: ChainableCommander, bullmqPrefix: string): ChainableCommander {
  const keys = JOB_KINDS.flatMap((kind) => {
    const base = `${bullmqPrefix}:${queueName(kind)}`;
    return [`${base}:wait`, `${base}:paused`];
  });
  return pipeline.eval(OLDEST_WAITING_SCRIPT, keys.length, ...keys);
}

/**
 * Each kind's oldest waiting job's age in seconds at `now` (ms), 0 when none
 * waits, from the EVAL's answer.
 */
export function oldestWaitingAges(
  answer: [Error | null, unknown] | undefined,
  now: number,
): ReadonlyMap<JobKind, number> {
  if (answer === undefined || answer[0] !== null) {
    throw answer?.[0] ?? new Error("Redis gave fewer answers than the pipeline asked");
  }
  const readyTimes = Array.isArray(answer[1]) ? answer[1] : [];
  return new Map(
    JOB_KINDS.map((kind, index) => {
      const readyAt = Number(readyTimes[index] ?? -1);
      return [kind, readyAt < 0 ? 0 : Math.max(0, now - readyAt) / 1000];
    }),
  );
}
