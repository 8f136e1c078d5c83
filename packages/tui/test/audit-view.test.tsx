import { stripVTControlCharacters } from "node:util";
import { insertAuditEntries } from "@cml-fleet/platform/repositories/audit.repository";
import { render } from "ink-testing-library";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createTestFleet, type TestApi, type TestFleet } from "../../api/test/graphql/support/test-fleet";
import type { FleetClient } from "../src/data/fleet-client.port";
import { createGraphqlFleetClient } from "../src/data/graphql-fleet-client";
import { Monitor } from "../src/Monitor";

const until = (assertion: () => void) => vi.waitFor(assertion, { timeout: 20_000, interval: 50 });
const lineWith = (frame: string, text: string) =>
  stripVTControlCharacters(frame)
    .split("\n")
    .find((line) => line.includes(text)) ?? "";

describe("the :audit view against a real API", () => {
  let fleet: TestFleet;
  let api: TestApi;
  const clients: FleetClient[] = [];

  beforeAll(async () => {
    fleet = await createTestFleet("tui-audit");
    api = await fleet.startApi();
    const at = new Date(Date.now() - 5 * 60_000);
    await insertAuditEntries(fleet.db.db, [
      {
        at,
        actor: "alice",
        role: "OPERATOR",
        operation: "stopWorker",
        arguments: { id: "0b9d6c1e-4f7a-4c8e-9a51-2f3d4e5a6b7c" },
        outcome: "ok",
        errorMessage: null,
        requestId: "r1",
      },
      {
        at: new Date(at.getTime() + 1000),
        // An identity provider's name claim with a window-title escape in it.
        actor: "mallory\u001b]0;pwned\u0007",
        role: "VIEWER",
        operation: "terminateWorker",
        arguments: {},
        outcome: "FORBIDDEN",
        errorMessage: "terminateWorker needs a higher role than VIEWER",
        requestId: "r2",
      },
    ]);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await fleet?.close();
  });

  function renderFor(token: string) {
    const client = createGraphqlFleetClient({ url: api.url, token });
    clients.push(client);
    const view = render(<Monitor client={client} flushIntervalMs={20} />);
    Object.defineProperty(view.stdout, "columns", { value: 120, configurable: true });
    Object.defineProperty(view.stdout, "rows", { value: 24, configurable: true });
    view.stdout.emit("resize");
    return { view, frame: () => view.lastFrame() ?? "" };
  }

  it("shows an ADMIN the newest entries: who, what, how it ended, on what, with nothing a terminal would obey", async () => {
    const { view, frame } = renderFor(fleet.tokens.ADMIN);
    try {
      await until(() => expect(frame()).toContain("(ADMIN)"));
      view.stdin.write(":");
      view.stdin.write("audit");
      view.stdin.write("\r");
      await until(() => expect(frame()).toContain("ACTION"));
      await until(() =>
        expect(lineWith(frame(), "terminateWorker")).toMatch(/mallory\s+terminateWorker\s+denied/),
      );
      expect(lineWith(frame(), "alice")).toMatch(
        /alice\s+stopWorker\s+allowed\s+0b9d6c1e-4f7a-4c8e-9a51-2f3d4e5a6b7c/,
      );
      // Newest first.
      const lines = stripVTControlCharacters(frame()).split("\n");
      expect(lines.findIndex((line) => line.includes("mallory"))).toBeLessThan(
        lines.findIndex((line) => line.includes("alice")),
      );
      expect(frame()).not.toContain("\u0007");
      expect(frame()).not.toContain("]0;");

      view.stdin.write("\t");
      await until(() => expect(frame()).not.toContain("terminateWorker"));
    } finally {
      view.unmount();
    }
  });

  it("refuses it to an OPERATOR with a line that says why, and stays where it was", async () => {
    const { view, frame } = renderFor(fleet.tokens.OPERATOR);
    try {
      await until(() => expect(frame()).toContain("(OPERATOR)"));
      view.stdin.write(":");
      view.stdin.write("audit");
      view.stdin.write("\r");
      await until(() =>
        expect(frame()).toContain("The audit log needs the ADMIN role (this token is OPERATOR)"),
      );
      expect(frame()).not.toContain("OUTCOME");
    } finally {
      view.unmount();
    }
  });
});
