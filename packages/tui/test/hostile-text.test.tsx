import { cleanup } from "ink-testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { FakeFleetClient } from "./support/fake-fleet-client";
import { aJob, anEvent, aSnapshotWorker } from "./support/fleet-factory";
import { KEYS, renderMonitor } from "./support/render-monitor";

afterEach(() => {
  cleanup();
});

/**
 * Text as an older API or another server could send it: a lab user's OSC title sequence, an OSC 52 that
 * writes the clipboard, a CSI that clears the screen and homes the cursor, a bidi override.
 */
const ESC = "\u001b";
const HOSTILE = `${ESC}]2;pwned\u0007${ESC}]52;c;cm0gLXJmIH4=\u0007${ESC}[2J${ESC}[H\u202E`;
const hostile = (text: string) => `${text}${HOSTILE}`;
/** Ink colours what it draws (SGR); those sequences are the monitor's own and are taken out before looking. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: Ink's own colour sequences
const OWN_COLOURS = /\u001b\[[0-9;]*m/g;
/** Anything else a terminal would obey; a newline between lines is Ink's own. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters
const OBEYED = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
const until = (assertion: () => void) => vi.waitFor(assertion, { timeout: 5000, interval: 10 });

function expectPrintable(frame: string) {
  const shown = frame.replace(OWN_COLOURS, "");
  expect(shown).not.toMatch(OBEYED);
  expect(shown).not.toContain("pwned");
}

describe("text from the API that a terminal would obey", () => {
  it("is drawn without its escape sequences in the table, the event log, the detail pane, the jobs and the status line", async () => {
    const worker = aSnapshotWorker({
      id: "w-h",
      name: hostile("lab-a"),
      statusReason: hostile("reason"),
      amiName: hostile("image"),
      createdBy: hostile("mallory"),
      tags: [{ key: hostile("course"), value: hostile("ccna") }],
      labs: [{ id: hostile("lab-1"), title: hostile("OSPF title"), state: hostile("STARTED") }],
    });
    const client = new FakeFleetClient({
      viewer: { name: hostile("viewer"), role: "ADMIN" },
      workers: [worker],
      events: [
        anEvent({ workerId: "w-h", message: hostile("event message"), actor: hostile("someone") }),
        anEvent({ workerId: null, message: hostile("fleet message") }),
      ],
      jobs: [aJob({ workerId: "w-h", name: "start", state: "FAILED", failedReason: hostile("job error") })],
    });
    client.mutationError = new Error(hostile("mutation refused"));
    const view = renderMonitor(client, { columns: 160, rows: 40 });

    await until(() => expect(view.frame()).toContain("event message"));
    expect(view.frame()).toContain("lab-a");
    expect(view.frame()).toContain("fleet message");
    expect(view.frame()).toContain("viewer (ADMIN)");
    expectPrintable(view.frame());

    view.press(KEYS.enter);
    await until(() => expect(view.frame()).toContain("OSPF title"));
    for (const text of ["reason", "image", "mallory", "course=ccna", "event message"]) {
      expect(view.frame()).toContain(text);
    }
    expectPrintable(view.frame());

    view.press(KEYS.escape);
    await until(() => expect(view.frame()).toContain("IDLE / AUTO-STOP"));
    view.press(KEYS.tab);
    await until(() => expect(view.frame()).toContain("job error"));
    expectPrintable(view.frame());

    view.press(KEYS.tab);
    await until(() => expect(view.frame()).toContain("IDLE / AUTO-STOP"));
    view.press("x");
    await until(() => expect(view.frame()).toContain("Stop lab-a? y yes"));
    expectPrintable(view.frame());
    view.press("y");
    await until(() => expect(view.frame()).toContain("mutation refused"));
    expectPrintable(view.frame());
  });
});
