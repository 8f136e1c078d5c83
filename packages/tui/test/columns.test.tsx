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
const headerRow = (frame: string) => lines(frame).find((line) => line.startsWith("NAME")) ?? "";
const until = (assertion: () => void) => vi.waitFor(assertion, { timeout: 5000, interval: 10 });

async function typeCommand(view: ReturnType<typeof renderMonitor>, command: string) {
  view.press(":");
  await until(() => expect(lines(view.frame()).some((line) => /^:\s*$/.test(line))).toBe(true));
  for (const char of command) {
    view.press(char);
  }
  await until(() => expect(view.frame()).toContain(`:${command}`));
  view.press(KEYS.enter);
}

describe(":columns", () => {
  it("hides and shows columns by name, and refuses an unknown one or the name column", async () => {
    const view = renderMonitor(new FakeFleetClient({ workers: [aSnapshotWorker({ name: "alpha" })] }), {
      columns: 160,
      rows: 30,
    });
    await until(() => expect(view.frame()).toContain("alpha"));
    expect(headerRow(view.frame())).toMatch(/NAME\s+REGION\s+STATUS\s+OWNER\s+CML\s+CHECKS\s+LICENSE/);

    await typeCommand(view, "columns -region -checks");
    await until(() => expect(view.frame()).toContain("hidden columns: region checks"));
    expect(headerRow(view.frame())).toMatch(/^NAME\s+STATUS\s+OWNER\s+CML\s+LICENSE/);

    await typeCommand(view, "columns +region -bogus");
    await until(() => expect(view.frame()).toContain('No column "-bogus"'));
    expect(headerRow(view.frame())).not.toContain("REGION");

    await typeCommand(view, "columns -name");
    await until(() => expect(view.frame()).toContain("The name column is always shown"));

    await typeCommand(view, "columns region checks");
    await until(() => expect(view.frame()).toContain("every column shown"));
    expect(headerRow(view.frame())).toMatch(/NAME\s+REGION\s+STATUS\s+OWNER\s+CML\s+CHECKS/);
  });

  it("opens a chooser that toggles the column under the cursor with space", async () => {
    const view = renderMonitor(new FakeFleetClient({ workers: [aSnapshotWorker({ name: "alpha" })] }), {
      columns: 160,
      rows: 30,
    });
    await until(() => expect(view.frame()).toContain("alpha"));
    await typeCommand(view, "columns");
    await until(() => expect(view.frame()).toContain("Columns (space toggles"));
    expect(view.frame()).toMatch(/\[x\] name\s+NAME\s+worker name/);
    view.press("j");
    view.press(" ");
    await until(() => expect(view.frame()).toMatch(/\[ \] region\s+REGION\s+AWS region/));
    expect(view.frame()).toContain("hidden columns: region");
    view.press(KEYS.escape);
    await until(() => expect(headerRow(view.frame())).toMatch(/^NAME\s+STATUS/));
  });

  it("says in the chooser which shown columns have no room at this width", async () => {
    const view = renderMonitor(new FakeFleetClient({ workers: [aSnapshotWorker({ name: "alpha" })] }), {
      columns: 60,
      rows: 30,
    });
    await until(() => expect(view.frame()).toContain("alpha"));
    await typeCommand(view, "columns");
    await until(() => expect(view.frame()).toMatch(/\[x\] license.*no room at this width/));
    expect(view.frame()).not.toMatch(/\[x\] status.*no room/);
  });
});
