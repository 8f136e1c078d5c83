import type { Logger } from "@cml-fleet/core/ports/logger.port";
import { createPubSub, type PubSub } from "@graphql-yoga/subscription";
import type { Redis } from "ioredis";
import { createLogger } from "../observability/logger";
import { parsePreservingDates, stringifyPreservingDates } from "./date-preserving-json";
import { createRedisChannelTarget } from "./redis-channel-target";
import type { FleetTopicPayloads } from "./topics";

type Topic = keyof FleetTopicPayloads;

export interface FleetPubSub extends PubSub<FleetTopicPayloads> {
  /** Waits (bounded) until every local subscriber has gone, so Redis can be quit without stray commands. */
  drained(timeoutMs: number): Promise<void>;
  /**
   * Publishes and resolves once Redis has taken the message, so that what the
   * caller publishes next reaches every subscriber after it; rejects when
   * Redis cannot take it (`publish` only logs that).
   */
  publishConfirmed<T extends Topic>(topic: T, payload: FleetTopicPayloads[T][0]): Promise<void>;
  /**
   * Calls `listener` with each message on `topic`, in the same tick Redis
   * delivers it (a `subscribe` iterator resumes later), until the returned
   * function is called. The payload comes off the wire: check it before use.
   */
  listen(topic: Topic, listener: (payload: unknown) => void): () => void;
}

export interface FleetPubSubOptions {
  readonly publishClient: Redis;
  /** A connection of its own: a Redis connection in subscriber mode can do nothing else. */
  readonly subscribeClient: Redis;
  /** Put in front of every channel name, so test runs (or fleets) sharing a Redis stay apart. */
  readonly keyPrefix: string;
  /** Where failed Redis calls are reported; warnings on stdout when not given. */
  readonly logger?: Logger;
}

/**
 * The one stream every API replica and job process shares: events published
 * by any process reach the subscribers of every API process.
 */
export function createFleetPubSub(options: FleetPubSubOptions): FleetPubSub {
  const target = createRedisChannelTarget({
    publishClient: options.publishClient,
    subscribeClient: options.subscribeClient,
    prefix: options.keyPrefix,
    serializer: { stringify: stringifyPreservingDates, parse: parsePreservingDates },
    logger: options.logger ?? createLogger({ level: "warn", name: "cml-fleet-pubsub" }),
  });
  const pubsub = createPubSub<FleetTopicPayloads>({ eventTarget: target });
  return {
    publish: pubsub.publish,
    subscribe: pubsub.subscribe,
    drained: (timeoutMs) => target.drained(timeoutMs),
    publishConfirmed: (topic, payload) =>
      target.dispatchConfirmed(new CustomEvent(topic, { detail: payload })),
    listen(topic, listener) {
      const callback = (event: CustomEvent) => listener(event.detail);
      target.addEventListener(topic, callback);
      return () => target.removeEventListener(topic, callback);
    },
  };
}
