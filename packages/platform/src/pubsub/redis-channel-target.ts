import type { Logger } from "@cml-fleet/core/ports/logger.port";
import type { Redis } from "ioredis";

type Listener = (event: CustomEvent) => void;

interface ListenerObject {
  handleEvent: Listener;
}

/** The EventTarget graphql-yoga's `createPubSub` needs, over Redis channels. */
export interface RedisChannelTarget {
  addEventListener(topic: string, listener: Listener | ListenerObject | null): void;
  removeEventListener(topic: string, listener: Listener | ListenerObject | null): void;
  dispatchEvent(event: CustomEvent): boolean;
  /** Like dispatchEvent, but resolves once Redis has taken the message (and rejects when it cannot). */
  dispatchConfirmed(event: CustomEvent): Promise<void>;
  /** Resolves once no topic has listeners (or after `timeoutMs`), so Redis can be quit safely. */
  drained(timeoutMs: number): Promise<void>;
}

export interface RedisChannelTargetOptions {
  readonly publishClient: Redis;
  readonly subscribeClient: Redis;
  /** Put in front of every channel name. */
  readonly prefix: string;
  readonly serializer: { stringify(value: unknown): string; parse(text: string): unknown };
  readonly logger: Logger;
}

/**
 * Like @graphql-yoga/redis-event-target, whose design it follows (one Redis
 * SUBSCRIBE per topic, shared by every local listener), with two changes
 * this server needs: no Redis call is left unhandled (there, a PUBLISH while
 * Redis is down, or an UNSUBSCRIBE after shutdown, is an unhandled rejection
 * that ends the process), and shutdown can wait for the last listener to go.
 */
export function createRedisChannelTarget(options: RedisChannelTargetOptions): RedisChannelTarget {
  const { publishClient, subscribeClient, prefix, serializer, logger } = options;
  const listeners = new Map<string, Set<Listener>>();
  let onDrained: (() => void) | null = null;

  function report(operation: string, channel: string) {
    return (error: unknown) => logger.warn({ err: error, channel }, `redis ${operation} failed`);
  }

  subscribeClient.on("message", (channel: string, message: string) => {
    if (!channel.startsWith(prefix)) {
      return;
    }
    const topic = channel.slice(prefix.length);
    const forTopic = listeners.get(topic);
    if (forTopic === undefined) {
      return;
    }
    let detail: unknown;
    try {
      detail = message === "" ? null : serializer.parse(message);
    } catch (error) {
      report("message parse", channel)(error);
      return;
    }
    for (const listener of forTopic) {
      listener(new CustomEvent(topic, { detail }));
    }
  });

  /**
   * SUBSCRIBE once the connection is ready. Sent while it is still being set
   * up, a second topic's SUBSCRIBE could be refused by ioredis ("Connection in
   * subscriber mode") behind the first one, and the topic would never be heard
   * (an API process starting two listeners at once did exactly that).
   */
  const subscribeWhenReady = (topic: string): void => {
    const channel = `${prefix}${topic}`;
    const send = () => {
      if (listeners.has(topic)) {
        subscribeClient.subscribe(channel).catch(report("subscribe", channel));
      }
    };
    if (subscribeClient.status === "ready") {
      send();
    } else {
      subscribeClient.once("ready", send);
    }
  };

  const encode = (event: CustomEvent): string =>
    event.detail === undefined ? "" : serializer.stringify(event.detail);

  const callbackOf = (listener: Listener | ListenerObject): Listener =>
    typeof listener === "function" ? listener : listener.handleEvent;

  return {
    addEventListener(topic, listener) {
      if (listener === null) {
        return;
      }
      let forTopic = listeners.get(topic);
      if (forTopic === undefined) {
        forTopic = new Set();
        listeners.set(topic, forTopic);
        subscribeWhenReady(topic);
      }
      forTopic.add(callbackOf(listener));
    },
    removeEventListener(topic, listener) {
      const forTopic = listeners.get(topic);
      if (listener === null || forTopic === undefined) {
        return;
      }
      forTopic.delete(callbackOf(listener));
      if (forTopic.size > 0) {
        return;
      }
      listeners.delete(topic);
      subscribeClient.unsubscribe(`${prefix}${topic}`).catch(report("unsubscribe", `${prefix}${topic}`));
      if (listeners.size === 0) {
        onDrained?.();
      }
    },
    dispatchEvent(event) {
      const channel = `${prefix}${event.type}`;
      publishClient.publish(channel, encode(event)).catch(report("publish", channel));
      return true;
    },
    async dispatchConfirmed(event) {
      await publishClient.publish(`${prefix}${event.type}`, encode(event));
    },
    async drained(timeoutMs) {
      if (listeners.size === 0) {
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        onDrained = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
      onDrained = null;
    },
  };
}
