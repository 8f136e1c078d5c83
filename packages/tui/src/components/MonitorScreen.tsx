import { Box, Text } from "ink";
import type { FleetState, WorkerEntry } from "../data/fleet-reducer";
import type { FleetEvent, Job, NotificationChannel, Schedule, Snapshot } from "../data/fleet-types";
import type { FleetTotals } from "../data/selectors";
import type { AuditLogState } from "../hooks/use-audit-log";
import type { ReadState } from "../hooks/use-read-while";
import { theme } from "../theme";
import type { Binding } from "../ui-state/bindings";
import type { UiState } from "../ui-state/ui-reducer";
import { AuditView } from "./AuditView";
import { ChannelsView } from "./ChannelsView";
import { ColumnsPanel } from "./ColumnsPanel";
import { DetailPane } from "./DetailPane";
import { EventLog } from "./EventLog";
import { FleetTable } from "./FleetTable";
import { Footer } from "./Footer";
import { Header } from "./Header";
import { type CommandAvailability, HelpScreen } from "./HelpScreen";
import { JobsView } from "./JobsView";
import type { Layout } from "./layout";
import { SchedulesView } from "./SchedulesView";
import { StatusLine } from "./StatusLine";
import type { Column } from "./worker-columns";

export interface DetailData {
  readonly entry: WorkerEntry;
  readonly activeJob: Job | null;
  readonly events: readonly FleetEvent[];
  readonly snapshots: ReadState<readonly Snapshot[]>;
}

export interface MonitorScreenProps {
  readonly layout: Layout;
  readonly fleet: FleetState;
  readonly ui: UiState;
  readonly totals: FleetTotals;
  readonly columns: readonly Column[];
  readonly workerRows: readonly WorkerEntry[];
  readonly jobRows: readonly Job[];
  readonly jobsTotal: number;
  /** The audit view's entries (read while it is open). */
  readonly audit: AuditLogState;
  /** The `:schedules` and `:channels` views' data (read while they are open). */
  readonly schedules: ReadState<readonly Schedule[]>;
  readonly channels: ReadState<readonly NotificationChannel[]>;
  readonly detail: DetailData | null;
  readonly bindings: readonly Binding[];
  /** Which `:` commands the help offers this token. */
  readonly commands: CommandAvailability;
  readonly workerNames: ReadonlyMap<string, string>;
  readonly readonly: boolean;
  readonly now: number;
}

function MainArea(props: MonitorScreenProps) {
  const { layout, ui, fleet, now, workerNames } = props;
  if (ui.overlay.kind === "help") {
    return <HelpScreen bindings={props.bindings} commands={props.commands} height={layout.mainHeight} />;
  }
  if (ui.overlay.kind === "columns") {
    return (
      <ColumnsPanel
        cursor={ui.overlay.cursor}
        hidden={ui.hiddenColumns}
        drawn={props.columns}
        height={layout.mainHeight}
      />
    );
  }
  if (props.detail) {
    return <DetailPane {...props.detail} now={now} width={layout.width} height={layout.mainHeight} />;
  }
  if (ui.view === "audit") {
    return <AuditView audit={props.audit} now={now} width={layout.width} height={layout.mainHeight} />;
  }
  if (ui.view === "schedules") {
    return (
      <SchedulesView schedules={props.schedules} now={now} width={layout.width} height={layout.mainHeight} />
    );
  }
  if (ui.view === "channels") {
    return (
      <ChannelsView channels={props.channels} now={now} width={layout.width} height={layout.mainHeight} />
    );
  }
  if (ui.view === "jobs") {
    return (
      <JobsView
        rows={props.jobRows}
        total={props.jobsTotal}
        selectedId={ui.selectedJobId}
        workerNames={workerNames}
        now={now}
        width={layout.width}
        height={layout.mainHeight}
      />
    );
  }
  return (
    <>
      <FleetTable
        rows={props.workerRows}
        columns={props.columns}
        selectedId={ui.selectedWorkerId}
        now={now}
        height={layout.tableHeight}
        loaded={fleet.loaded}
        filter={ui.filter}
      />
      {layout.eventLogHeight > 0 ? (
        <EventLog events={fleet.events} workerNames={workerNames} height={layout.eventLogHeight} />
      ) : null}
    </>
  );
}

/** The whole frame, exactly `layout.frameHeight` lines tall, from state alone. */
export function MonitorScreen(props: MonitorScreenProps) {
  const { layout, fleet, ui } = props;
  if (layout.tooSmall) {
    return (
      <Text wrap="truncate" color={theme.warning}>
        Terminal too small ({layout.width} columns): enlarge it
      </Text>
    );
  }
  // Boxes clip vertically only: every Text already fits its box's width (truncated or wrapped by Ink),
  // and a horizontal clip makes Ink measure and re-slice every line of every frame.
  return (
    <Box flexDirection="column" width={layout.width} height={layout.frameHeight} overflowY="hidden">
      <Header
        totals={props.totals}
        connection={fleet.connection}
        viewer={fleet.viewer}
        readonly={props.readonly}
        now={props.now}
      />
      <Box flexDirection="column" height={layout.mainHeight} overflowY="hidden">
        <MainArea {...props} />
      </Box>
      <StatusLine
        overlay={ui.overlay}
        message={ui.message}
        connection={fleet.connection}
        filter={ui.filter}
      />
      <Footer bindings={props.bindings} />
    </Box>
  );
}
