import { describe, expect, it } from "vitest";
import { type CpuProfile, profileSummaryMarkdown, summarizeCpuProfile } from "./cpu-profile-summary";

const PNPM = "file:///repo/node_modules/.pnpm/pg@8.23.1/node_modules/pg/lib/result.js";

/** root -> (idle), (garbage collector), an HTTP answer's end -> writev, our row mapping, pg's row parser. */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: { functionName: "(root)", url: "", lineNumber: -1 }, children: [2, 3, 4, 6, 7] },
    { id: 2, callFrame: { functionName: "(idle)", url: "", lineNumber: -1 } },
    { id: 3, callFrame: { functionName: "(garbage collector)", url: "", lineNumber: -1 } },
    {
      id: 4,
      callFrame: { functionName: "end", url: "node:_http_outgoing", lineNumber: 1141 },
      children: [5],
    },
    { id: 5, callFrame: { functionName: "writev", url: "", lineNumber: -1 } },
    {
      id: 6,
      callFrame: {
        functionName: "fromWorkerJson",
        url: "file:///repo/packages/platform/src/repositories/worker-json-row.ts",
        lineNumber: 9,
      },
    },
    { id: 7, callFrame: { functionName: "_parseRowAsArray", url: PNPM, lineNumber: 48 } },
  ],
  // µs: idle 4 ms, GC 1 ms, writev 3 ms, our mapping 1.5 ms, pg 0.5 ms.
  samples: [2, 3, 5, 5, 6, 7, 2],
  timeDeltas: [2_000, 1_000, 1_000, 2_000, 1_500, 500, 2_000],
};

describe("summarizeCpuProfile", () => {
  const summary = summarizeCpuProfile(profile);

  it("adds up the sampled time and tells the idle time apart", () => {
    expect(summary.totalMs).toBe(10);
    expect(summary.idleMs).toBe(4);
  });

  it("counts native work under its nearest caller with a script, and names packages and ours", () => {
    expect(summary.categories).toEqual([
      { name: "(idle)", ms: 4 },
      { name: "node: HTTP", ms: 3 },
      { name: "@cml-fleet/platform", ms: 1.5 },
      { name: "(garbage collector)", ms: 1 },
      { name: "pg", ms: 0.5 },
    ]);
  });

  it("ranks functions by self time with where they live", () => {
    expect(summary.functions.slice(0, 3)).toEqual([
      { name: "(idle)", ms: 4 },
      { name: "writev", ms: 3 },
      { name: "fromWorkerJson @cml-fleet/platform:10", ms: 1.5 },
    ]);
  });

  it("writes markdown tables with shares of the sampled time", () => {
    const text = profileSummaryMarkdown("01-api-child/CPU.cpuprofile", summary);
    expect(text).toContain("10.0 ms sampled, 6.0 ms busy (60.0 %)");
    expect(text).toContain("| node: HTTP | 3.0 ms | 30.0 % |");
    expect(text).toContain("| writev | 3.0 ms | 30.0 % |");
  });
});
