import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { createPubSub, type PubSub } from "graphql-yoga";
import type { Redis } from "ioredis";
import { parsePreservingDates, stringifyPreservingDates } from "./date-preserving-json";
import type { FleetTopicPayloads } from "./topics";

export type FleetPubSub = PubSub<FleetTopicPayloads>;

type ChannelTarget = ReturnType<typeof createRedisEventTarget<CustomEvent>>;

export interface FleetPubSubOptions {
  readonly publishClient: Redis;
  /** A connection of its own: a Redis connection in subscriber mode can do nothing else. */
  readonly subscribeClient: Redis;
  /** Put in front of every channel name, so test runs (or fleets) sharing a Redis stay apart. */
  readonly keyPrefix: string;
}

/**
 * The one stream every API replica and job process shares: events published
 * by any process reach the subscribers of every API process.
 */
export function createFleetPubSub(options: FleetPubSubOptions): FleetPubSub {
  const redisTarget = createRedisEventTarget<CustomEvent>({
    publishClient: options.publishClient,
    subscribeClient: options.subscribeClient,
    serializer: { stringify: stringifyPreservingDates, parse: parsePreservingDates },
  });
  return createPubSub<FleetTopicPayloads>({
    eventTarget: prefixChannels(redisTarget, options.keyPrefix),
  });
}

/** Maps logical topic names to prefixed Redis channels in both directions. */
function prefixChannels(inner: ChannelTarget, prefix: string): ChannelTarget {
  if (prefix === "") {
    return inner;
  }
  return {
    addEventListener: (type, listener, options) =>
      inner.addEventListener(`${prefix}${type}`, listener, options),
    removeEventListener: (type, listener, options) =>
      inner.removeEventListener(`${prefix}${type}`, listener, options),
    dispatchEvent: (event) =>
      inner.dispatchEvent(new CustomEvent(`${prefix}${event.type}`, { detail: event.detail })),
  };
}
