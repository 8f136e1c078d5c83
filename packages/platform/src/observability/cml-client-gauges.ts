import { Gauge, type Registry } from "prom-client";

/** What a process's CML client is doing now (its `load()`). */
export interface CmlClientLoad {
  readonly inFlight: number;
  readonly queued: number;
  readonly idleConnections: number;
}

/** The reader each registry's gauges call at scrape time: the last process part to register wins. */
const readers = new WeakMap<Registry, () => CmlClientLoad>();

/**
 * The CML client's load as gauges read at scrape time: requests in flight
 * against CML_REQUEST_CONCURRENCY, requests queued behind it (a sweep whose
 * looks wait here is bound by this setting, not by the workers), and the
 * idle connections kept for the next sweep (the client's share of the
 * process's memory).
 */
export function watchCmlClientLoad(registry: Registry, read: () => CmlClientLoad): void {
  const registered = readers.has(registry);
  readers.set(registry, read);
  if (registered) {
    return;
  }
  const registers = [registry];
  const gauge = (name: string, help: string, pick: (load: CmlClientLoad) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        const current = readers.get(registry);
        if (current !== undefined) {
          this.set(pick(current()));
        }
      },
    });
  gauge(
    "cml_fleet_cml_requests_in_flight",
    "Requests to workers' CML APIs sent and not yet answered by this process, all workers together; at most CML_REQUEST_CONCURRENCY.",
    (load) => load.inFlight,
  );
  gauge(
    "cml_fleet_cml_requests_queued",
    "Requests to workers' CML APIs waiting in this process for a slot of their worker's (2) or of CML_REQUEST_CONCURRENCY.",
    (load) => load.queued,
  );
  gauge(
    "cml_fleet_cml_idle_connections",
    "Connections to workers' CML APIs kept open unused by this process for the next request (about 100 KB each over TLS), up to the CML client's bound on idle connections.",
    (load) => load.idleConnections,
  );
}
