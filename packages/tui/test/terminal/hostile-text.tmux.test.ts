import type { RunningSimulator } from "@cml-fleet/sim/simulator";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { TestApi, TestFleet } from "../../../api/test/graphql/support/test-fleet";
import { anEvent, aWorker } from "../../../api/test/support/worker-factory";
import { createGraphqlHttp, type GraphqlRequest } from "../../src/data/graphql-http";
import { type SimulatedFleet, startSimulatedFleet } from "../support/simulated-fleet";
import { INITIAL_PANE_TITLE, MONITOR_BIN, startTmuxSession, type TmuxSession } from "./support/tmux-session";

/**
 * The must-show: the monitor in a real terminal (tmux), against a running API, job workers and the
 * simulator, showing text that lab users and AWS account users wrote to take over an operator's terminal.
 */
const ESC = "\u001b";
const BEL = "\u0007";
/** OSC 2: sets the window's (here the pane's) title. */
const RETITLE = `${ESC}]2;pwned${BEL}`;
/** OSC 52: writes the clipboard ("rm -rf ~", base64), ready for the operator's next paste. */
const CLIPBOARD = `${ESC}]52;c;cm0gLXJmIH4=${BEL}`;
/** CSI 2J and CSI H: erase the screen and send the cursor home. */
const CLEAR = `${ESC}[2J${ESC}[H`;
const HOSTILE = `${RETITLE}${CLIPBOARD}${CLEAR}`;
// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters
const OBEYED = /[\u0000-\u001f\u007f-\u009f]/u;

interface ServedWorker {
  readonly id: string;
  readonly name: string;
  readonly tags: readonly { key: string; value: string }[];
  readonly labs: readonly { title: string; state: string }[];
}
const WORKER_FIELDS = "id name tags { key value } labs { title state }";

async function simControl(sim: RunningSimulator, method: string, path: string, body: unknown) {
  const response = await fetch(`${sim.url}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(response.ok, `${method} ${path}: HTTP ${response.status}`).toBe(true);
  return (await response.json()) as unknown;
}

/** The frame is intact: the header on the first row, the key line on the last row the monitor draws. */
function expectIntactFrame(rows: readonly string[]) {
  expect(rows[0]).toMatch(/^cml-fleet ● live/);
  expect(rows[1]).toMatch(/^\d+ workers/);
  expect(rows.at(-2)).toMatch(/^s start\s+x stop/);
}

/** No title set (OSC 0/2), nothing put on the clipboard (OSC 52), not a word of the payloads on the screen. */
async function expectTerminalUntouched(terminal: TmuxSession) {
  expect(await terminal.paneTitle()).toBe(INITIAL_PANE_TITLE);
  expect(await terminal.pasteBuffers()).toEqual([]);
  expect(await terminal.screenWithAttributes()).not.toContain("pwned");
  expect(await terminal.screenWithAttributes()).not.toContain("cm0gLXJmIH4=");
}

describe("the monitor in a real terminal (tmux), showing hostile text from the API", () => {
  let sim: RunningSimulator;
  let fleet: TestFleet;
  let api: TestApi;
  let stack: SimulatedFleet | undefined;
  let request: GraphqlRequest;
  let terminal: TmuxSession | null = null;

  beforeAll(async () => {
    stack = await startSimulatedFleet("tui-tmux-hostile");
    ({ sim, fleet, api } = stack);
    request = createGraphqlHttp({ url: api.url, token: fleet.tokens.ADMIN });
  }, 60_000);

  afterAll(async () => {
    await terminal?.close();
    await stack?.close();
  }, 60_000);

  it("keeps hostile EC2 tags out of what it stores and serves when it imports an instance", async () => {
    // An instance launched behind the fleet's back, tagged by someone with access to the AWS account.
    const launched = (await simControl(sim, "POST", "/_sim/instances", {
      region: "us-east-1",
      tags: { Name: `lab-${HOSTILE}imported`, [`course${CLEAR}`]: `ccna${CLIPBOARD}` },
    })) as { instanceId: string };

    const { importWorkers } = await request<{ importWorkers: ServedWorker[] }>(
      `mutation($ids: [String!]) { importWorkers(region: "us-east-1", instanceIds: $ids) { ${WORKER_FIELDS} } }`,
      { ids: [launched.instanceId] },
    );

    const imported = importWorkers[0] ?? expect.unreachable("the import adopted nothing");
    expect(imported.name).toBe("lab-imported");
    expect(imported.tags).toContainEqual({ key: "course", value: "ccna" });
    const { events } = await request<{ events: { message: string }[] }>(
      `query($id: ID!) { events(workerId: $id, first: 10) { message } }`,
      { id: imported.id },
    );
    expect(events.map((event) => event.message)).toContainEqual(
      expect.stringMatching(/^lab-imported: imported i-/),
    );
    // The OSC payloads go with their sequences: not even their words are kept.
    expect(JSON.stringify([imported, events])).not.toContain("pwned");
  });

  it("draws hostile text an older API stored without retitling the terminal, writing its clipboard or clearing it", async () => {
    // What a fleet from before the cleaning stored, and an API that serves it as it is.
    const legacy = aWorker({
      name: "legacy-lab",
      tags: { course: `ccna${HOSTILE}` },
      labs: [{ id: "lab-9", title: `BGP ${HOSTILE}legacy lab`, state: "STARTED" }],
    });
    await fleet.workers.insert(legacy, [
      anEvent({ workerId: legacy.id, at: new Date(), message: `legacy-lab: ${HOSTILE}legacy event` }),
    ]);
    const { worker } = await request<{ worker: ServedWorker }>(
      `query($id: ID!) { worker(id: $id) { ${WORKER_FIELDS} } }`,
      { id: legacy.id },
    );
    expect(worker.labs[0]?.title).toMatch(OBEYED);

    terminal = await startTmuxSession({
      command: [process.execPath, MONITOR_BIN, "--url", api.url],
      env: { CML_FLEET_TOKEN: fleet.tokens.ADMIN },
      columns: 160,
      rows: 40,
    });

    // The event log draws the legacy event's message, the table the worker.
    let rows = await terminal.waitForRow(/legacy-lab\s+legacy event/);
    expect(rows.some((row) => row.startsWith("legacy-lab"))).toBe(true);
    expectIntactFrame(rows);
    await expectTerminalUntouched(terminal);

    // The detail pane draws the lab title, the tag and the event of the legacy worker.
    // Each key waits for the screen to answer: a terminal may hand keys typed at once over as one read.
    await terminal.pressKeys("/");
    await terminal.waitForRow(/^\/$/);
    await terminal.type("legacy");
    await terminal.waitForRow(/^\/legacy$/);
    await terminal.pressKeys("Enter");
    await terminal.waitForRow(/^filter: legacy$/);
    await terminal.pressKeys("Enter");
    rows = await terminal.waitForRow("STARTED   BGP legacy lab");
    expect(rows.join("\n")).toContain("course=ccna");
    expect(rows.join("\n")).toMatch(/\d\d:\d\d:\d\d legacy-lab: legacy event/);
    expectIntactFrame(rows);
    expect(rows[2]).toMatch(/^legacy-lab\s+[0-9a-f-]{36}$/);
    expect(rows[3]).toMatch(/^status\s+PENDING/);
    expect(rows.at(-3)).toBe("filter: legacy");
    await expectTerminalUntouched(terminal);
    expect(await terminal.exited()).toBe(false);

    // q closes the detail pane, then quits.
    await terminal.pressKeys("q");
    await terminal.waitForRow(/^NAME\s+REGION/);
    await terminal.pressKeys("q");
    await vi.waitFor(async () => expect(await terminal?.exited()).toBe(true), {
      timeout: 5_000,
      interval: 50,
    });
    expect(await terminal.paneTitle()).toBe(INITIAL_PANE_TITLE);
  });
});
