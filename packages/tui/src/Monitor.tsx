import { useApp, useInput, useStdin } from "ink";
import { useCallback, useMemo } from "react";
import { computeLayout } from "./components/layout";
import { MonitorScreen } from "./components/MonitorScreen";
import { layoutColumns } from "./components/worker-columns";
import type { FleetClient } from "./data/fleet-client.port";
import { selectActiveJob, selectFleetTotals, selectJobs, selectVisibleWorkers } from "./data/selectors";
import { useAuditLog } from "./hooks/use-audit-log";
import { useFleetStore } from "./hooks/use-fleet-store";
import { useLatest } from "./hooks/use-latest";
import { useNow } from "./hooks/use-now";
import { useReadWhile } from "./hooks/use-read-while";
import { useScrollOffset } from "./hooks/use-scroll-offset";
import { useSyncReducer } from "./hooks/use-sync-reducer";
import { useTerminalSize } from "./hooks/use-terminal-size";
import { useWorkerEvents } from "./hooks/use-worker-events";
import { bindingsFor, commandAvailability } from "./ui-state/bindings";
import { resolveKey } from "./ui-state/keymap";
import { runCommand } from "./ui-state/run-command";
import { initialUiState, type UiState, uiReducer } from "./ui-state/ui-reducer";

export interface MonitorProps {
  readonly client: FleetClient;
  readonly readonly?: boolean;
  /**
   * How often streamed updates reach the screen (ms). Every flush is a full Ink frame (~35 ms of CPU at
   * 160x40), so 250 keeps 1,000 chatty workers under a sixth of a core while the table still looks live.
   */
  readonly flushIntervalMs?: number;
  readonly clock?: () => number;
}

/**
 * Until the user moves, the cursor rests on the first row; when the selected
 * row is filtered away it moves to the first visible one, so an action never
 * lands on a worker the user cannot see.
 */
function withDefaultSelection(ui: UiState, workerIds: readonly string[], jobIds: readonly string[]): UiState {
  const pick = (current: string | null, ids: readonly string[]) =>
    current !== null && ids.includes(current) ? current : (ids[0] ?? null);
  return {
    ...ui,
    selectedWorkerId: pick(ui.selectedWorkerId, workerIds),
    selectedJobId: pick(ui.selectedJobId, jobIds),
  };
}

/** The monitor: wires the data layer and key handling to the screen. */
export function Monitor({ client, readonly = false, flushIntervalMs = 250, clock = Date.now }: MonitorProps) {
  const { exit } = useApp();
  // Without a TTY on stdin (piped, CI) there are no keys to read: watch only, rather than fail on raw mode.
  const { isRawModeSupported } = useStdin();
  const [ui, dispatch, getUi] = useSyncReducer(uiReducer, initialUiState);
  const showError = useCallback(
    (text: string) => dispatch({ type: "show-message", message: { text, tone: "error" } }),
    [dispatch],
  );
  const [fleet] = useFleetStore(client, { flushIntervalMs, onError: showError });
  const size = useTerminalSize();
  const now = useNow(1000, clock);

  const layout = computeLayout(size, ui.view, ui.overlay, ui.showEventLog);
  const columns = useMemo(
    () => layoutColumns(layout.width, ui.hiddenColumns),
    [layout.width, ui.hiddenColumns],
  );
  const visible = useMemo(
    () => selectVisibleWorkers(fleet.workers, ui.filter, ui.sort, now),
    [fleet.workers, ui.filter, ui.sort, now],
  );
  const visibleIds = useMemo(() => visible.map((entry) => entry.worker.id), [visible]);
  const jobs = useMemo(() => selectJobs(fleet.jobs), [fleet.jobs]);
  const jobIds = useMemo(() => jobs.map((job) => job.id), [jobs]);
  const workerNames = useMemo(
    () => new Map([...fleet.workers.values()].map(({ worker }) => [worker.id, worker.name])),
    [fleet.workers],
  );

  const totals = useMemo(() => selectFleetTotals(fleet.workers), [fleet.workers]);

  const effectiveUi = withDefaultSelection(ui, visibleIds, jobIds);
  const { selectedWorkerId, selectedJobId } = effectiveUi;

  const tableRows = Math.max(1, layout.tableHeight - 1);
  const jobRows = Math.max(1, layout.mainHeight - 1);
  const workerOffset = useScrollOffset(visibleIds.indexOf(selectedWorkerId ?? ""), tableRows, visible.length);
  const jobOffset = useScrollOffset(jobIds.indexOf(selectedJobId ?? ""), jobRows, jobs.length);

  const detailId = ui.overlay.kind === "detail" ? ui.overlay.workerId : null;
  const detailEntry = detailId ? fleet.workers.get(detailId) : undefined;
  const detailEvents = useWorkerEvents(client, detailId, fleet.events, showError);
  const audit = useAuditLog(client, ui.view === "audit");
  const schedules = useReadWhile(ui.view === "schedules", () => client.schedules(), "schedules");
  const channels = useReadWhile(ui.view === "channels", () => client.notificationChannels(), "channels");
  // Read again when the worker changes (a snapshot job's progress shows on it as its active job).
  const snapshots = useReadWhile(
    detailId !== null,
    () => client.workerSnapshots(detailId ?? ""),
    detailId ?? "",
    `${detailEntry?.worker.updatedAt ?? ""}/${detailEntry?.worker.activeJob?.state ?? ""}`,
  );

  const latest = useLatest({
    fleet,
    ui,
    visibleIds,
    jobIds,
    now,
    pageSize: ui.view === "jobs" ? jobRows : tableRows,
  });
  useInput(
    (input, key) => {
      const { fleet: current, jobIds: jobList, pageSize } = latest.current;
      const pending = getUi();
      // Keys typed faster than a render may have changed the filter or sort already.
      const ids =
        pending.filter === latest.current.ui.filter && pending.sort === latest.current.ui.sort
          ? latest.current.visibleIds
          : selectVisibleWorkers(current.workers, pending.filter, pending.sort, latest.current.now).map(
              (entry) => entry.worker.id,
            );
      const uiNow = withDefaultSelection(pending, ids, jobList);
      const command = resolveKey(uiNow, input, key);
      if (command) {
        runCommand(
          {
            client,
            fleet: current,
            ui: uiNow,
            dispatch,
            visibleWorkerIds: ids,
            jobIds: jobList,
            pageSize,
            readonly,
            exit: () => exit(),
            now: clock,
          },
          command,
        );
      }
    },
    { isActive: isRawModeSupported === true },
  );

  return (
    <MonitorScreen
      layout={layout}
      fleet={fleet}
      ui={effectiveUi}
      totals={totals}
      columns={columns}
      workerRows={visible.slice(workerOffset, workerOffset + tableRows)}
      jobRows={jobs.slice(jobOffset, jobOffset + jobRows)}
      jobsTotal={jobs.length}
      audit={audit}
      schedules={schedules}
      channels={channels}
      detail={
        detailEntry
          ? {
              entry: detailEntry,
              activeJob: selectActiveJob(fleet, detailEntry.worker),
              events: detailEvents,
              snapshots,
            }
          : null
      }
      bindings={bindingsFor(ui.view, fleet.viewer, readonly)}
      commands={commandAvailability(fleet.viewer, readonly)}
      workerNames={workerNames}
      readonly={readonly}
      now={now}
    />
  );
}
