import { stripVTControlCharacters } from "node:util";
import { cleanup } from "ink-testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FakeFleetClient } from "./support/fake-fleet-client";
import { aSnapshotWorker } from "./support/fleet-factory";
import { KEYS, renderMonitor } from "./support/render-monitor";

afterEach(() => {
  cleanup();
});

const lines = (frame: string) => stripVTControlCharacters(frame).split("\n");
const rowOf = (frame: string, text: string) => lines(frame).find((line) => line.includes(text)) ?? "";
const until = (assertion: () => void) => vi.waitFor(assertion, { timeout: 5000, interval: 10 });

const LABS = [
  { id: "lab-a", title: "CCNA 1", state: "STARTED" },
  { id: "lab-b", title: "OSPF", state: "STOPPED" },
];

function typeCommand(view: ReturnType<typeof renderMonitor>, command: string) {
  view.press(":");
  for (const char of command) {
    view.press(char);
  }
  view.press(KEYS.enter);
}

async function openDetail(client: FakeFleetClient) {
  const view = renderMonitor(client, { columns: 200, rows: 34 });
  await until(() => expect(view.frame()).toContain("kilo"));
  view.press(KEYS.enter);
  await until(() => expect(view.frame()).toContain("Labs (2, 1 started)"));
  return view;
}

describe("labs and CML health in the detail view", () => {
  it("lists the labs with their states, and the CML service with the failing component", async () => {
    const worker = aSnapshotWorker({
      name: "kilo",
      labs: LABS,
      serviceStatus: "ERROR",
      serviceStatusReason: "CML system health: controller: failing core_connected",
    });
    const view = await openDetail(new FakeFleetClient({ workers: [worker] }));
    const frame = view.frame();
    expect(rowOf(frame, "lab-a")).toMatch(/STARTED\s+CCNA 1 {2}\(lab-a\)/);
    expect(rowOf(frame, "lab-b")).toMatch(/STOPPED\s+OSPF {2}\(lab-b\)/);
    expect(lines(frame).join("\n")).toMatch(
      /CML {11}ERROR: CML system health: controller: failing core_connected/,
    );
  });

  it("stops one lab (by title) and all labs, each after a confirmation, as an operator", async () => {
    const worker = aSnapshotWorker({ name: "kilo", labs: LABS });
    const client = new FakeFleetClient({ workers: [worker], viewer: { name: "ops", role: "OPERATOR" } });
    const view = await openDetail(client);

    typeCommand(view, "stoplab ccna 1");
    await until(() => expect(view.frame()).toContain("Stop lab CCNA 1 on kilo? y yes  n no"));
    expect(client.calls).toEqual([]);
    view.press("y");
    await until(() =>
      expect(client.calls).toEqual([{ kind: "stop-labs", workerId: worker.id, labId: "lab-a" }]),
    );
    await until(() => expect(view.frame()).toContain("stop of lab CCNA 1 requested on kilo"));

    // Declined: nothing is sent.
    typeCommand(view, "stoplabs");
    await until(() => expect(view.frame()).toContain("Stop all labs on kilo? y yes  n no"));
    view.press("n");
    await until(() => expect(view.frame()).not.toContain("Stop all labs"));
    typeCommand(view, "stoplabs");
    await until(() => expect(view.frame()).toContain("Stop all labs on kilo?"));
    view.press("y");
    await until(() => expect(client.calls).toHaveLength(2));
    expect(client.calls[1]).toEqual({ kind: "stop-labs", workerId: worker.id, labId: null });
  });

  it("names an unknown lab, and refuses a viewer without asking anything", async () => {
    const worker = aSnapshotWorker({ name: "kilo", labs: LABS });
    const operator = new FakeFleetClient({ workers: [worker], viewer: { name: "ops", role: "OPERATOR" } });
    const view = await openDetail(operator);
    typeCommand(view, "stoplab nope");
    await until(() => expect(view.frame()).toContain('No lab "nope" on kilo'));
    cleanup();

    const viewer = new FakeFleetClient({ workers: [worker], viewer: { name: "watcher", role: "VIEWER" } });
    const watched = await openDetail(viewer);
    typeCommand(watched, "stoplabs");
    await until(() =>
      expect(watched.frame()).toContain("Stopping labs needs the OPERATOR role (this token is VIEWER)"),
    );
    expect(viewer.calls).toEqual([]);
  });
});
