import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const BIOME = join(ROOT, "node_modules", ".bin", "biome");
const run = promisify(execFile);

/**
 * The layers hold only as long as the linter refuses what would break them. These probes are linted with the
 * repository's own biome.json in a scratch copy of the layout, so a pattern that stops matching (Biome's `*` is
 * one path segment, and every import here is a subpath) fails this test instead of passing silently.
 */
const REFUSED: readonly (readonly [file: string, specifier: string])[] = [
  ["packages/core/src/domain/probe.ts", "@cml-fleet/platform/db/database"],
  ["packages/core/src/services/probe.ts", "@cml-fleet/core/adapters/aws/create-aws-cloud-provider"],
  ["packages/core/src/services/probe.ts", "../adapters/cml/create-cml-client"],
  ["packages/core/src/ports/probe.ts", "@aws-sdk/client-ec2"],
  ["packages/core/src/settings/probe.ts", "node:https"],
  ["packages/core/src/adapters/aws/probe.ts", "@cml-fleet/platform/observability/logger"],
  ["packages/platform/src/probe.ts", "@cml-fleet/api/app"],
  ["packages/platform/src/probe.ts", "@cml-fleet/core/adapters/cml/create-cml-client"],
  ["packages/api/src/probe.ts", "@cml-fleet/core/adapters/aws/create-aws-cloud-provider"],
  ["packages/api/src/probe.ts", "@aws-sdk/client-ec2"],
  ["packages/api/src/probe.ts", "@cml-fleet/sim/catalog"],
  ["packages/api/src/probe.ts", "@cml-fleet/jobs/job-process"],
  ["packages/jobs/src/probe.ts", "@cml-fleet/api/auth/token-secret"],
  ["packages/jobs/src/probe.ts", "@cml-fleet/sim/simulator"],
  ["packages/jobs/test/probe.ts", "@cml-fleet/api/app"],
  ["packages/sim/src/probe.ts", "@cml-fleet/core/domain/worker"],
  ["packages/tui/src/probe.ts", "@cml-fleet/api/app"],
  ["packages/replay/src/probe.ts", "@cml-fleet/platform/db/database"],
  ["packages/replay/src/probe.ts", "@cml-fleet/core/adapters/aws/create-aws-cloud-provider"],
  ["packages/replay/src/probe.ts", "@cml-fleet/jobs/job-process"],
  ["packages/faults/src/probe.ts", "@cml-fleet/core/settings/load-settings"],
  ["packages/faults/test/probe.ts", "@cml-fleet/jobs/job-process"],
];

const ALLOWED: readonly (readonly [file: string, specifier: string])[] = [
  ["packages/core/src/settings/probe-ok.ts", "@cml-fleet/duration/duration"],
  ["packages/core/src/adapters/aws/probe-ok.ts", "@aws-sdk/client-ec2"],
  ["packages/api/src/probe-ok.ts", "@cml-fleet/platform/infrastructure"],
  ["packages/jobs/src/probe-ok.ts", "@cml-fleet/core/adapters/aws/create-aws-cloud-provider"],
  ["packages/jobs/test/probe-ok.ts", "@cml-fleet/sim/simulator"],
  ["packages/sim/src/probe-ok.ts", "@cml-fleet/duration/duration"],
  ["packages/tui/src/probe-ok.ts", "@cml-fleet/duration/duration"],
  ["packages/core/src/domain/probe-ok.ts", "@cml-fleet/terminal-text/printable"],
  ["packages/core/src/adapters/cml/probe-ok.ts", "@cml-fleet/terminal-text/printable"],
  ["packages/tui/src/probe-ok.ts", "@cml-fleet/terminal-text/printable"],
  ["packages/sim/src/probe-ok.ts", "@cml-fleet/cli-args/command-line"],
  ["packages/tui/src/probe-ok.ts", "@cml-fleet/cli-args/command-line"],
  ["packages/replay/src/probe-ok.ts", "@cml-fleet/core/services/idle-auto-stop.service"],
  ["packages/replay/src/probe-ok.ts", "@cml-fleet/core/memory/memory-worker-repository"],
  ["packages/faults/src/probe-ok.ts", "@cml-fleet/platform/testing/free-port"],
];

interface Diagnostic {
  readonly category: string;
  readonly location: { readonly path: string | { readonly file: string } };
}

describe("the import boundaries of biome.json", () => {
  let scratch: string;
  let diagnostics: readonly Diagnostic[];

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), "cml-fleet-boundaries-"));
    const config = JSON.parse(await readFile(join(ROOT, "biome.json"), "utf8")) as Record<string, unknown>;
    // The scratch copy is no git checkout, and its own schema path does not exist there.
    const { $schema: _schema, vcs: _vcs, ...rest } = config;
    await writeFile(join(scratch, "biome.json"), JSON.stringify(rest));
    const probes = [...REFUSED, ...ALLOWED].map(([file, specifier], index) => ({
      file: join(scratch, file.replace(/\.ts$/, `-${index}.ts`)),
      text: `import * as probe from "${specifier}";\n\nexport const used = probe;\n`,
    }));
    // Two files that import each other: the cycle rule must see them.
    probes.push(
      {
        file: join(scratch, "packages/api/src/cycle-a.ts"),
        text: 'export { b } from "./cycle-b";\nexport const a = 1;\n',
      },
      {
        file: join(scratch, "packages/api/src/cycle-b.ts"),
        text: 'export { a } from "./cycle-a";\nexport const b = 2;\n',
      },
    );
    for (const probe of probes) {
      await mkdir(dirname(probe.file), { recursive: true });
      await writeFile(probe.file, probe.text);
    }
    const { stdout } = await run(BIOME, ["lint", "--reporter=json", "--max-diagnostics=none", "."], {
      cwd: scratch,
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? "" }));
    diagnostics = (JSON.parse(stdout) as { diagnostics: Diagnostic[] }).diagnostics;
  }, 60_000);

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  const refusedIn = (category: string) =>
    new Set(
      diagnostics
        .filter((diagnostic) => diagnostic.category === category)
        .map(({ location }) => (typeof location.path === "string" ? location.path : location.path.file)),
    );

  it.each(REFUSED.map(([file, specifier], index) => [file, specifier, index] as const))(
    "refuses %s importing %s",
    (file, _specifier, index) => {
      const probe = file.replace(/\.ts$/, `-${index}.ts`);
      expect([...refusedIn("lint/style/noRestrictedImports")]).toContainEqual(expect.stringContaining(probe));
    },
  );

  it.each(ALLOWED.map(([file, specifier], index) => [file, specifier, index + REFUSED.length] as const))(
    "lets %s import %s",
    (file, _specifier, index) => {
      const probe = file.replace(/\.ts$/, `-${index}.ts`);
      expect([...refusedIn("lint/style/noRestrictedImports")]).not.toContainEqual(
        expect.stringContaining(probe),
      );
    },
  );

  it("refuses an import cycle", () => {
    expect([...refusedIn("lint/suspicious/noImportCycles")]).toContainEqual(
      expect.stringContaining("packages/api/src/cycle-a.ts"),
    );
  });
});
