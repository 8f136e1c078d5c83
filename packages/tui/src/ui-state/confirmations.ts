import type { FleetClient } from "../data/fleet-client.port";
import { formatDuration } from "../format";
import type { Overlay } from "./ui-reducer";

type ConfirmOverlay = Extract<Overlay, { kind: "confirm" }>;

/** The question a confirmation asks, with its keys (outside text is made printable where it is drawn). */
export function confirmationQuestion(overlay: ConfirmOverlay): string {
  const name = overlay.workerName;
  switch (overlay.action) {
    case "stop":
      return `Stop ${name}? y yes  n no`;
    case "terminate":
      return `Terminate ${name}? y yes  f force (stop labs, release license)  n no`;
    case "stop-labs": {
      const what = overlay.lab ? `lab ${overlay.lab.title || overlay.lab.id}` : "all labs";
      return `Stop ${what} on ${name}? y yes  n no`;
    }
    case "keep-alive":
      return overlay.ms === 0
        ? `Clear the keep-alive of ${name}? y yes  n no`
        : `Keep ${name} alive for ${formatDuration(overlay.ms)} (no auto-stop until then)? y yes  n no`;
    case "snapshot":
      return overlay.description
        ? `Snapshot ${name} ("${overlay.description}")? y yes  n no`
        : `Snapshot ${name}'s root volume (its labs with it)? y yes  n no`;
    case "schedule":
      return overlay.schedule
        ? `Put ${name} on schedule ${overlay.schedule.name} (it starts and stops ${name})? y yes  n no`
        : `Take ${name} off its schedule? y yes  n no`;
  }
}

/** Sends what a confirmation asked about; resolves to the line that says it was asked. */
export async function runConfirmed(
  client: FleetClient,
  overlay: ConfirmOverlay,
  force: boolean,
  now: () => number,
): Promise<string> {
  const { workerId, workerName } = overlay;
  switch (overlay.action) {
    case "stop":
    case "terminate":
      await client.runWorkerAction(overlay.action, workerId, { force });
      return `${overlay.action} requested for ${workerName}`;
    case "stop-labs": {
      const lab = overlay.lab ?? null;
      await client.stopLabs(workerId, lab?.id ?? null);
      return `${lab ? `stop of lab ${lab.title || lab.id}` : "stop of all labs"} requested on ${workerName}`;
    }
    case "keep-alive":
      // An instant in the past clears the keep-alive (see the API's keepAlive).
      await client.keepAlive(workerId, new Date(overlay.ms === 0 ? now() - 1000 : now() + overlay.ms));
      return overlay.ms === 0
        ? `keep-alive cleared for ${workerName}`
        : `${workerName} kept alive for ${formatDuration(overlay.ms)}`;
    case "snapshot":
      await client.snapshotWorker(workerId, overlay.description);
      return `snapshot requested for ${workerName}`;
    case "schedule":
      await client.setWorkerSchedule(workerId, overlay.schedule?.id ?? null);
      return overlay.schedule
        ? `${workerName} is on schedule ${overlay.schedule.name}`
        : `${workerName} is off its schedule`;
  }
}
