import type { LivePrices, VolumeInfo } from "../domain/price-book";
import type { Worker } from "../domain/worker";
import type { Clock } from "../ports/clock.port";
import type { Logger } from "../ports/logger.port";
import type { PriceCache, PriceList, VolumeInventory } from "../ports/price-list.port";
import type { WorkerRepository } from "../ports/worker-repository.port";
import { DEFAULT_VOLUME_TYPE } from "../settings/default-prices";

export interface PriceRefreshConfig {
  /** Priced even before a worker runs there: the allowed regions and instance types. */
  readonly regions: readonly string[];
  readonly instanceTypes: readonly string[];
  /** A cached price younger than this is kept without asking the Price List API again. */
  readonly priceMaxAgeMs: number;
  /** How long a refresh's result stands; past it, without a newer one, costs fall back to the static table. */
  readonly ttlMs: number;
}

export interface PriceRefreshDeps {
  readonly workers: Pick<WorkerRepository, "listActive">;
  readonly priceList: PriceList;
  readonly volumes: VolumeInventory;
  readonly cache: PriceCache;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config: PriceRefreshConfig;
}

export interface PriceRefreshResult {
  readonly instancePrices: number;
  readonly storagePrices: number;
  readonly instancesWithVolumes: number;
  /** Calls that failed; their entries keep the previous refresh's value, or fall back to the static table. */
  readonly failures: number;
}

export interface PriceRefreshService {
  refresh(): Promise<PriceRefreshResult>;
}

type Nested = Record<string, Record<string, number>>;

function put(table: Nested, outer: string, inner: string, value: number): void {
  table[outer] = { ...table[outer], [inner]: value };
}

/**
 * Asks AWS for the prices and volume sizes that cost needs and caches them
 * for every process. It runs as the price-refresh job, never on a request's
 * path: a slow or failing Price List API only makes costs fall back to the
 * previous refresh, then to the static table.
 */
export function createPriceRefreshService(deps: PriceRefreshDeps): PriceRefreshService {
  const logger = deps.logger.child({ component: "price-refresh" });
  let failures = 0;

  async function attempt<T>(what: object, call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      failures += 1;
      logger.warn(
        { ...what, err: error },
        "price refresh call failed; the previous or the static price stands",
      );
      return undefined;
    }
  }

  async function refreshVolumes(
    workers: readonly Worker[],
    previous: LivePrices | null,
  ): Promise<Record<string, readonly VolumeInfo[]>> {
    const volumes: Record<string, readonly VolumeInfo[]> = {};
    const groups = new Map<string, { accountId: string; region: string; instanceIds: string[] }>();
    for (const worker of workers) {
      if (worker.instanceId === null) {
        continue;
      }
      const key = `${worker.accountId}|${worker.region}`;
      const group = groups.get(key) ?? {
        accountId: worker.accountId,
        region: worker.region,
        instanceIds: [],
      };
      group.instanceIds.push(worker.instanceId);
      groups.set(key, group);
    }
    for (const { accountId, region, instanceIds } of groups.values()) {
      const found = await attempt({ accountId, region }, () =>
        deps.volumes.attachedVolumes({ accountId, region }, instanceIds),
      );
      for (const instanceId of instanceIds) {
        const known = found === undefined ? previous?.volumes[instanceId] : found.get(instanceId);
        if (known !== undefined) {
          volumes[instanceId] = known;
        }
      }
    }
    return volumes;
  }

  return {
    async refresh() {
      failures = 0;
      const [previous, workers] = await Promise.all([deps.cache.load(), deps.workers.listActive()]);
      const pairs = new Map<string, { region: string; instanceType: string }>();
      for (const region of deps.config.regions) {
        for (const instanceType of deps.config.instanceTypes) {
          pairs.set(`${region}|${instanceType}`, { region, instanceType });
        }
      }
      for (const worker of workers) {
        pairs.set(`${worker.region}|${worker.instanceType}`, worker);
      }

      // Prices change rarely: while the cached ones are young, only what they lack is asked for.
      const now = deps.clock.now();
      const fresh =
        previous !== null && now.getTime() - previous.fetchedAt.getTime() < deps.config.priceMaxAgeMs;
      const priceOf = async (
        cached: number | undefined,
        what: object,
        call: () => Promise<number | null>,
      ): Promise<number | undefined> => {
        if (fresh && cached !== undefined) {
          return cached;
        }
        const usd = await attempt(what, call);
        return usd === undefined ? cached : (usd ?? undefined);
      };

      const instanceHourlyUsd: Nested = {};
      for (const { region, instanceType } of pairs.values()) {
        const known = await priceOf(
          previous?.instanceHourlyUsd[region]?.[instanceType],
          { region, instanceType },
          () => deps.priceList.instanceHourlyUsd(instanceType, region),
        );
        if (known !== undefined) {
          put(instanceHourlyUsd, region, instanceType, known);
        }
      }

      const volumes = await refreshVolumes(workers, previous);
      const storageKinds = new Map<string, { region: string; volumeType: string }>();
      for (const region of new Set([...deps.config.regions, ...workers.map((worker) => worker.region)])) {
        storageKinds.set(`${region}|${DEFAULT_VOLUME_TYPE}`, { region, volumeType: DEFAULT_VOLUME_TYPE });
      }
      for (const worker of workers) {
        for (const volume of worker.instanceId === null ? [] : (volumes[worker.instanceId] ?? [])) {
          storageKinds.set(`${worker.region}|${volume.volumeType}`, {
            region: worker.region,
            volumeType: volume.volumeType,
          });
        }
      }
      const storageGbMonthUsd: Nested = {};
      for (const { region, volumeType } of storageKinds.values()) {
        const known = await priceOf(
          previous?.storageGbMonthUsd[region]?.[volumeType],
          { region, volumeType },
          () => deps.priceList.storageGbMonthUsd(volumeType, region),
        );
        if (known !== undefined) {
          put(storageGbMonthUsd, region, volumeType, known);
        }
      }

      await deps.cache.save(
        {
          fetchedAt: fresh && previous !== null ? previous.fetchedAt : now,
          instanceHourlyUsd,
          storageGbMonthUsd,
          volumes,
        },
        deps.config.ttlMs,
      );
      const result: PriceRefreshResult = {
        instancePrices: Object.values(instanceHourlyUsd).reduce(
          (sum, types) => sum + Object.keys(types).length,
          0,
        ),
        storagePrices: Object.values(storageGbMonthUsd).reduce(
          (sum, types) => sum + Object.keys(types).length,
          0,
        ),
        instancesWithVolumes: Object.keys(volumes).length,
        failures,
      };
      logger.info(result, "prices refreshed");
      return result;
    },
  };
}
