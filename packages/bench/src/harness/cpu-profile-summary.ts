import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";

/** The parts of a V8 `.cpuprofile` (what `node --cpu-prof` writes) a summary reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  /** Microseconds between consecutive samples. */
  readonly timeDeltas: readonly number[];
}

/** Where one process spent its sampled time. */
export interface ProfileSummary {
  /** Sampled time, ms (the process's main thread, from start to exit). */
  readonly totalMs: number;
  /** Of which the main thread waited for I/O (V8's "(idle)"), ms. */
  readonly idleMs: number;
  /** Time by where it was spent, largest first: see `categoryOf`. */
  readonly categories: readonly { readonly name: string; readonly ms: number }[];
  /** Functions by self time, largest first. */
  readonly functions: readonly { readonly name: string; readonly ms: number }[];
}

const PNPM_PACKAGE = /node_modules\/\.pnpm\/[^/]+\/node_modules\/((?:@[^/]+\/)?[^/]+)\//;
const WORKSPACE_PACKAGE = /\/packages\/([^/]+)\/(?:src|test)\//;

/** What a frame with a script URL belongs to: a Node subsystem, an npm package, or one of ours. */
function owner(url: string): string {
  if (url.startsWith("node:")) {
    if (/^node:(_tls|tls|https|internal\/tls|internal\/crypto|crypto)/.test(url)) {
      return "node: TLS and crypto";
    }
    if (/^node:(_http|http|internal\/http)/.test(url)) {
      return "node: HTTP";
    }
    if (/^node:(net|stream|internal\/streams|internal\/stream_base_commons)/.test(url)) {
      return "node: sockets and streams";
    }
    return "node: other";
  }
  const workspace = WORKSPACE_PACKAGE.exec(url);
  if (workspace?.[1] !== undefined) {
    return `@cml-fleet/${workspace[1]}`;
  }
  const dependency = PNPM_PACKAGE.exec(url) ?? /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  return dependency?.[1] ?? "other";
}

/**
 * Summarizes a profile by self time. Native work (a socket write, TLS, JSON
 * parsing) shows in V8's profiles as a frame without a script: it is counted
 * under the nearest caller that has one, so `writev` under an HTTP answer
 * counts as Node's HTTP and the garbage collector and idle time stand alone.
 */
export function summarizeCpuProfile(profile: CpuProfile, topFunctions = 15): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) {
      parentOf.set(child, node.id);
    }
  }
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });

  const categoryOf = (id: number): string => {
    const name = nodes.get(id)?.callFrame.functionName;
    if (name === "(idle)" || name === "(garbage collector)" || name === "(program)") {
      return name;
    }
    for (let current: number | undefined = id; current !== undefined; current = parentOf.get(current)) {
      const url = nodes.get(current)?.callFrame.url ?? "";
      if (url !== "") {
        return owner(url);
      }
    }
    return "(native, no script)";
  };
  const functionOf = (id: number): string => {
    const frame = nodes.get(id)?.callFrame;
    if (frame === undefined) {
      return "?";
    }
    // Node's own modules by name (node:_http_client), the rest by package: paths would only be the machine's.
    const module = frame.url.startsWith("node:") ? frame.url : owner(frame.url);
    const where = frame.url === "" ? "" : ` ${module}:${frame.lineNumber + 1}`;
    return `${frame.functionName === "" ? "(anonymous)" : frame.functionName}${where}`;
  };

  const categories = new Map<string, number>();
  const functions = new Map<string, number>();
  let totalUs = 0;
  for (const [id, us] of selfUs) {
    totalUs += us;
    const category = categoryOf(id);
    categories.set(category, (categories.get(category) ?? 0) + us);
    const name = functionOf(id);
    functions.set(name, (functions.get(name) ?? 0) + us);
  }
  const largest = (totals: Map<string, number>) =>
    [...totals].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000 }));
  return {
    totalMs: totalUs / 1000,
    idleMs: (categories.get("(idle)") ?? 0) / 1000,
    categories: largest(categories),
    functions: largest(functions).slice(0, topFunctions),
  };
}

function duration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

function share(ms: number, totalMs: number): string {
  return totalMs === 0 ? "-" : `${((100 * ms) / totalMs).toFixed(1)} %`;
}

/** One profile's summary as markdown. */
export function profileSummaryMarkdown(title: string, summary: ProfileSummary): string {
  const busyMs = summary.totalMs - summary.idleMs;
  return [
    `### ${title}`,
    "",
    `${duration(summary.totalMs)} sampled, ${duration(busyMs)} busy (${share(busyMs, summary.totalMs)}); shares are of the sampled time.`,
    "",
    "| where | time | share |",
    "| --- | --- | --- |",
    ...summary.categories.map(
      (entry) => `| ${entry.name} | ${duration(entry.ms)} | ${share(entry.ms, summary.totalMs)} |`,
    ),
    "",
    "| function (self time) | time | share |",
    "| --- | --- | --- |",
    ...summary.functions.map(
      (entry) =>
        `| ${entry.name.replaceAll("|", "\\|")} | ${duration(entry.ms)} | ${share(entry.ms, summary.totalMs)} |`,
    ),
    "",
  ].join("\n");
}

/** Every `.cpuprofile` under `dir` (one folder per child), summarized in one markdown document. */
export async function summarizeProfileDirectory(dir: string): Promise<string> {
  const entries = await readdir(dir, { recursive: true });
  const files = entries.filter((entry) => entry.endsWith(".cpuprofile")).sort();
  const sections = await Promise.all(
    files.map(async (file) => {
      const path = join(dir, file);
      const profile = JSON.parse(await readFile(path, "utf8")) as CpuProfile;
      return profileSummaryMarkdown(relative(dir, path), summarizeCpuProfile(profile));
    }),
  );
  return [
    "# CPU profiles of the benchmark's children",
    "",
    "Written by `pnpm bench --cpu-prof <dir>`: each child (simulator, job processes, API, monitor) ran with",
    "`node --cpu-prof`; open a `.cpuprofile` in Chrome DevTools (Performance) or VS Code for the call trees.",
    "",
    ...(sections.length === 0
      ? ["No profile was written (a child killed rather than stopped writes none)."]
      : sections),
  ].join("\n");
}
