import { Redis } from "ioredis";

export interface RedisConnections {
  /** Commands and PUBLISH. */
  readonly commands: Redis;
  /** SUBSCRIBE only (a subscribed connection can do nothing else). */
  readonly subscriber: Redis;
  ping(): Promise<void>;
  /** Quits both; call after the servers that use them have closed. */
  close(): Promise<void>;
}

export function openRedisConnections(url: string, connectionName: string): RedisConnections {
  const options = {
    connectionName,
    // Fail requests fast while Redis is down instead of queueing them forever; /readyz reports it.
    enableOfflineQueue: true,
    maxRetriesPerRequest: 2,
    lazyConnect: false,
  };
  const commands = new Redis(url, options);
  const subscriber = new Redis(url, { ...options, connectionName: `${connectionName}-sub` });
  return {
    commands,
    subscriber,
    async ping() {
      await commands.ping();
    },
    async close() {
      await Promise.allSettled([commands.quit(), subscriber.quit()]);
    },
  };
}
