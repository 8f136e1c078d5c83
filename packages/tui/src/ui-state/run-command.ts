import { COLUMN_CHOICES } from "../components/worker-columns";
import { describeFailure } from "../data/api-error";
import type { FleetClient, WorkerAction } from "../data/fleet-client.port";
import type { FleetState } from "../data/fleet-reducer";
import { formatDuration, parseKeepAlive } from "../format";
import { applyColumnArguments, type ColumnChange, describeHidden, toggleColumn } from "./column-choice";
import { runConfirmed } from "./confirmations";
import type { Command } from "./keymap";
import { findLab, labStopRefusal } from "./lab-actions";
import { type ActionName, actionAvailability, auditLogRefusal, channelsRefusal } from "./permissions";
import { moveSelection, type UiAction, type UiState } from "./ui-reducer";
import { findSchedule, parseSnapshotDescription } from "./worker-commands";

export interface CommandContext {
  readonly client: FleetClient;
  readonly fleet: FleetState;
  readonly ui: UiState;
  readonly dispatch: (action: UiAction) => void;
  readonly visibleWorkerIds: readonly string[];
  readonly jobIds: readonly string[];
  readonly pageSize: number;
  readonly readonly: boolean;
  readonly exit: () => void;
  readonly now: () => number;
}

const VIEW_COMMANDS: Readonly<Record<string, "workers" | "jobs">> = {
  jobs: "jobs",
  job: "jobs",
  j: "jobs",
  workers: "workers",
  worker: "workers",
  wk: "workers",
  w: "workers",
};

/**
 * Carries out what a key press means: UI changes at once, API calls with their
 * outcome as a message. `context.ui` must be the state after every earlier key
 * press, even ones not rendered yet (see use-sync-reducer.ts).
 */
export function runCommand(context: CommandContext, command: Command): void {
  const { client, fleet, ui, dispatch, readonly, exit } = context;
  const info = (text: string) => dispatch({ type: "show-message", message: { text, tone: "info" } });
  const fail = (text: string) => dispatch({ type: "show-message", message: { text, tone: "error" } });

  const call = (pending: Promise<void>, done: string) => {
    pending.then(
      () => info(done),
      (error: unknown) => fail(describeFailure(error)),
    );
  };

  const targetWorker = () => {
    const id = ui.overlay.kind === "detail" ? ui.overlay.workerId : ui.selectedWorkerId;
    return (id && fleet.workers.get(id)?.worker) || null;
  };

  const runWorkerAction = (action: WorkerAction, workerId: string, name: string, force = false) => {
    call(client.runWorkerAction(action, workerId, { force }), `${action} requested for ${name}`);
  };

  const select = (pick: (ids: readonly string[], current: string | null) => string | null) => {
    if (ui.view === "jobs") {
      dispatch({ type: "select-job", id: pick(context.jobIds, ui.selectedJobId) });
    } else {
      dispatch({ type: "select-worker", id: pick(context.visibleWorkerIds, ui.selectedWorkerId) });
    }
  };

  const startAction = (action: ActionName) => {
    const availability = actionAvailability(action, fleet.viewer, readonly);
    if (availability.kind === "hidden") {
      return;
    }
    if (availability.kind === "unavailable") {
      fail(`Unavailable: ${availability.reason}`);
      return;
    }
    if (action === "retry") {
      const job = ui.selectedJobId ? fleet.jobs.get(ui.selectedJobId) : undefined;
      if (!job) {
        fail("No job selected");
        return;
      }
      call(client.retryJob(job.id), `retry requested for job ${job.name}`);
      return;
    }
    const worker = targetWorker();
    if (!worker) {
      fail("No worker selected");
      return;
    }
    switch (action) {
      case "start":
      case "refresh":
        runWorkerAction(action, worker.id, worker.name);
        return;
      case "stop":
      case "terminate":
        dispatch({
          type: "open",
          overlay: { kind: "confirm", action, workerId: worker.id, workerName: worker.name },
        });
        return;
      case "keep-alive":
        dispatch({
          type: "open",
          overlay: { kind: "prompt", purpose: "keep-alive", text: "", workerId: worker.id },
        });
        return;
      case "snapshot":
        dispatch({
          type: "open",
          overlay: {
            kind: "confirm",
            action: "snapshot",
            description: null,
            workerId: worker.id,
            workerName: worker.name,
          },
        });
        return;
      case "schedule":
        fail("Which schedule? :schedule <name> (or :schedule none; :schedules lists them)");
        return;
    }
  };

  /**
   * `:stoplab <lab id or title>` and `:stoplabs` on the worker in view: refused
   * here with the reason when the role may not (the API would answer
   * FORBIDDEN), else asked for confirmation first.
   */
  const confirmLabStop = (given: string | null) => {
    const refusal = labStopRefusal(fleet.viewer, readonly);
    if (refusal !== null) {
      fail(refusal);
      return;
    }
    const worker = targetWorker();
    if (!worker) {
      fail("No worker selected");
      return;
    }
    if (given === "") {
      fail("Which lab? :stoplab <lab id or title> (or :stoplabs for all)");
      return;
    }
    const lab = given === null ? null : findLab(worker.labs, given);
    if (lab === undefined) {
      fail(`No lab "${given}" on ${worker.name} (its labs are in the detail view)`);
      return;
    }
    dispatch({
      type: "open",
      overlay: { kind: "confirm", action: "stop-labs", workerId: worker.id, workerName: worker.name, lab },
    });
  };

  const changeColumns = (change: ColumnChange) => {
    if (change.kind === "refused") {
      fail(change.message);
      return;
    }
    dispatch({ type: "set-hidden-columns", hidden: change.hidden });
    info(describeHidden(change.hidden));
  };

  /** `:columns` alone opens the chooser; with arguments (`-cpu +owner`) it applies them. */
  const columnsCommand = (args: string) => {
    if (args === "") {
      dispatch({ type: "open", overlay: { kind: "columns", cursor: 0 } });
    } else {
      changeColumns(applyColumnArguments(ui.hiddenColumns, args));
    }
  };

  /**
   * The worker in view for a `:` action, when the token may do it: null (with the reason shown) when not.
   * An action the token's role may never do (a USER's) is not offered at all, so the line says just that.
   */
  const actionTarget = (action: ActionName, command: string) => {
    const availability = actionAvailability(action, fleet.viewer, readonly);
    if (availability.kind === "hidden") {
      fail(readonly ? `Read-only mode: no :${command}` : `:${command} is not available to this token`);
      return null;
    }
    if (availability.kind === "unavailable") {
      fail(`Unavailable: ${availability.reason}`);
      return null;
    }
    const worker = targetWorker();
    if (!worker) {
      fail("No worker selected");
    }
    return worker;
  };

  /** `:keepalive 2h` (0 clears), after a confirmation. */
  const keepAliveCommand = (args: string) => {
    const ms = parseKeepAlive(args);
    if (ms === null) {
      fail(`"${args}" is not a duration: :keepalive <duration> (e.g. 45m, 2h, 1h30m; 0 clears)`);
      return;
    }
    const worker = actionTarget("keep-alive", "keepalive");
    if (worker) {
      dispatch({
        type: "open",
        overlay: { kind: "confirm", action: "keep-alive", ms, workerId: worker.id, workerName: worker.name },
      });
    }
  };

  /** `:snapshot [description]`, after a confirmation. */
  const snapshotCommand = (args: string) => {
    const description = parseSnapshotDescription(args);
    if (description.kind === "refused") {
      fail(description.message);
      return;
    }
    const worker = actionTarget("snapshot", "snapshot");
    if (worker) {
      dispatch({
        type: "open",
        overlay: {
          kind: "confirm",
          action: "snapshot",
          description: description.text,
          workerId: worker.id,
          workerName: worker.name,
        },
      });
    }
  };

  /** `:schedule <name or id>` attaches, `:schedule none` detaches, after a confirmation. */
  const scheduleCommand = (args: string) => {
    if (args === "") {
      fail("Which schedule? :schedule <name> (or :schedule none; :schedules lists them)");
      return;
    }
    const worker = actionTarget("schedule", "schedule");
    if (!worker) {
      return;
    }
    const confirm = (schedule: { id: string; name: string } | null) =>
      dispatch({
        type: "open",
        overlay: {
          kind: "confirm",
          action: "schedule",
          schedule,
          workerId: worker.id,
          workerName: worker.name,
        },
      });
    if (args.toLowerCase() === "none") {
      confirm(null);
      return;
    }
    // The names are read now, so a schedule made a moment ago is found.
    client.schedules().then(
      (schedules) => {
        const found = findSchedule(schedules, args);
        if (found) {
          confirm({ id: found.id, name: found.name });
        } else {
          const names = schedules.map((schedule) => schedule.name).join(", ") || "none yet";
          fail(`No schedule "${args}" (schedules: ${names})`);
        }
      },
      (error: unknown) => fail(describeFailure(error)),
    );
  };

  /** A command's word and the rest of its line: `snapshot before the exam` → ["snapshot", "before the exam"]. */
  const commandWord = (text: string): [string, string] => {
    const space = text.search(/\s/);
    return space === -1 ? [text, ""] : [text.slice(0, space), text.slice(space + 1).trim()];
  };

  const submitPrompt = () => {
    const { overlay } = ui;
    if (overlay.kind !== "prompt") {
      return;
    }
    dispatch({ type: "close-overlay" });
    const text = overlay.text.trim();
    switch (overlay.purpose) {
      case "filter":
        return;
      case "command": {
        const view = VIEW_COMMANDS[text];
        if (view) {
          dispatch({ type: "set-view", view });
        } else if (text === "audit") {
          // Refused here, with the reason, rather than sent: the API would answer FORBIDDEN.
          const refusal = auditLogRefusal(fleet.viewer);
          if (refusal === null) {
            dispatch({ type: "set-view", view: "audit" });
          } else {
            fail(refusal);
          }
        } else if (text === "stoplabs" || text === "stoplab" || text.startsWith("stoplab ")) {
          confirmLabStop(text === "stoplabs" ? null : text.slice("stoplab".length).trim());
        } else if (text === "columns" || text.startsWith("columns ")) {
          columnsCommand(text.slice("columns".length).trim());
        } else if (text === "schedules") {
          dispatch({ type: "set-view", view: "schedules" });
        } else if (text === "channels") {
          const refusal = channelsRefusal(fleet.viewer);
          if (refusal === null) {
            dispatch({ type: "set-view", view: "channels" });
          } else {
            fail(refusal);
          }
        } else if (["keepalive", "keep-alive", "snapshot", "schedule"].includes(commandWord(text)[0])) {
          const [word, args] = commandWord(text);
          if (word === "snapshot") {
            snapshotCommand(args);
          } else if (word === "schedule") {
            scheduleCommand(args);
          } else {
            keepAliveCommand(args);
          }
        } else if (text === "events" || text === "e") {
          dispatch({ type: "toggle-event-log" });
        } else if (text === "q" || text === "quit") {
          exit();
        } else if (text === "help") {
          dispatch({ type: "open", overlay: { kind: "help" } });
        } else if (text !== "") {
          fail(
            `Unknown command ":${text}" (try :jobs, :workers, :events, :columns, :schedules, :channels, :audit, :keepalive <duration>, :snapshot [description], :schedule <name>|none, :stoplab <lab>, :stoplabs, :help, :q)`,
          );
        }
        return;
      }
      case "keep-alive": {
        const ms = parseKeepAlive(text);
        const worker = overlay.workerId ? fleet.workers.get(overlay.workerId)?.worker : undefined;
        if (ms === null || !worker) {
          fail(
            ms === null ? `"${text}" is not a duration (e.g. 45m, 2h, 1h30m; 0 clears)` : "Worker is gone",
          );
          return;
        }
        // An instant in the past clears the keep-alive (see the API's keepAlive).
        const until = new Date(ms === 0 ? context.now() - 1000 : context.now() + ms);
        call(
          client.keepAlive(worker.id, until),
          ms === 0
            ? `keep-alive cleared for ${worker.name}`
            : `${worker.name} kept alive for ${formatDuration(ms)}`,
        );
        return;
      }
    }
  };

  if (ui.message && command.type !== "edit-prompt") {
    dispatch({ type: "clear-message" });
  }
  switch (command.type) {
    case "move":
      select((ids, current) => moveSelection(ids, current, command.delta));
      return;
    case "move-page":
      select((ids, current) => moveSelection(ids, current, command.direction * context.pageSize));
      return;
    case "move-to":
      select((ids) => (command.edge === "first" ? ids[0] : ids.at(-1)) ?? null);
      return;
    case "open-detail": {
      const id = ui.selectedWorkerId ?? context.visibleWorkerIds[0];
      if (id) {
        dispatch({ type: "open", overlay: { kind: "detail", workerId: id } });
      }
      return;
    }
    case "escape":
      if (ui.overlay.kind === "prompt" && ui.overlay.purpose === "filter") {
        dispatch({ type: "set-filter", filter: "" });
      } else if (ui.overlay.kind === "none" && ui.filter) {
        dispatch({ type: "set-filter", filter: "" });
      }
      dispatch({ type: "close-overlay" });
      return;
    case "open-prompt":
      dispatch({
        type: "open",
        overlay: {
          kind: "prompt",
          purpose: command.purpose,
          text: command.purpose === "filter" ? ui.filter : "",
          workerId: null,
        },
      });
      return;
    case "edit-prompt":
      dispatch({ type: "edit-prompt", text: command.text });
      return;
    case "submit-prompt":
      submitPrompt();
      return;
    case "sort":
      dispatch({ type: "sort-by", key: command.key });
      return;
    case "action":
      startAction(command.action);
      return;
    case "confirm": {
      if (ui.overlay.kind === "confirm") {
        const overlay = ui.overlay;
        dispatch({ type: "close-overlay" });
        runConfirmed(client, overlay, command.force, context.now).then(info, (error: unknown) =>
          fail(describeFailure(error)),
        );
      }
      return;
    }
    case "next-view":
      dispatch({ type: "set-view", view: ui.view === "workers" ? "jobs" : "workers" });
      return;
    case "set-view":
      dispatch({ type: "set-view", view: command.view });
      return;
    case "toggle-event-log":
      dispatch({ type: "toggle-event-log" });
      return;
    case "column-cursor":
      if (ui.overlay.kind === "columns") {
        const cursor = Math.max(0, Math.min(COLUMN_CHOICES.length - 1, ui.overlay.cursor + command.delta));
        dispatch({ type: "open", overlay: { kind: "columns", cursor } });
      }
      return;
    case "toggle-column": {
      const choice = ui.overlay.kind === "columns" ? COLUMN_CHOICES[ui.overlay.cursor] : undefined;
      if (choice) {
        changeColumns(toggleColumn(ui.hiddenColumns, choice.id));
      }
      return;
    }
    case "help":
      dispatch({ type: "open", overlay: { kind: "help" } });
      return;
    case "quit":
      exit();
      return;
  }
}
