import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  extractIntrospectionHeader,
  loadConfig,
  loadRef,
  minifyIntrospection,
  outputIntrospectionFile,
  parseConfig,
} from "gql.tada/internal";
import { afterAll, describe, expect, it } from "vitest";

/**
 * The same steps as `gql-tada generate output` (the package's `codegen`
 * script), in memory: read the plugin entry of packages/tui/tsconfig.json,
 * introspect its schema, print the output file.
 */
async function generate(schemaOverride?: string) {
  const loaded = await loadConfig(fileURLToPath(new URL("../../tsconfig.json", import.meta.url)));
  const config = parseConfig(loaded.pluginConfig, loaded.rootPath);
  if (!("schema" in config) || typeof config.schema !== "string" || !config.tadaOutputLocation) {
    throw new Error("packages/tui/tsconfig.json must name one schema file and a tadaOutputLocation");
  }
  const projectPath = dirname(loaded.tsconfigPath);
  const outputPath = resolve(projectPath, config.tadaOutputLocation);
  const schema = schemaOverride ?? resolve(projectPath, config.schema);
  const ref = await loadRef({ schema }).load({ rootPath: projectPath });
  const committed = await readFile(outputPath, "utf8");
  const generated = outputIntrospectionFile(minifyIntrospection(ref.current.introspection), {
    fileType: outputPath,
    shouldPreprocess: true,
    preamble: extractIntrospectionHeader(committed) ?? undefined,
  });
  return { committed, generated, schema };
}

describe("graphql-env.d.ts, the schema types the TUI's documents are checked against", () => {
  const scratch = mkdtemp(join(tmpdir(), "tui-graphql-env-"));
  afterAll(async () => rm(await scratch, { recursive: true, force: true }));

  it("is what codegen makes of packages/api/schema.graphql now", async () => {
    const { committed, generated, schema } = await generate();
    expect(schema.endsWith(join("packages", "api", "schema.graphql"))).toBe(true);
    expect(committed, "stale: run `pnpm --filter @cml-fleet/tui codegen` and commit the result").toBe(
      generated,
    );
  });

  it("keeps the header that exempts it from Biome (codegen carries a file's own header over)", async () => {
    const { committed } = await generate();
    expect(extractIntrospectionHeader(committed)).toContain("// biome-ignore-all lint");
    expect(extractIntrospectionHeader(committed)).toContain("// biome-ignore-all format");
  });

  it("would be reported stale after a change to the schema", async () => {
    const { schema } = await generate();
    const changed = join(await scratch, "schema.graphql");
    await writeFile(changed, `${await readFile(schema, "utf8")}\nenum AddedByTheTest { ONE }\n`);
    const { committed, generated } = await generate(changed);
    expect(generated).toContain("AddedByTheTest");
    expect(committed).not.toBe(generated);
  });
});
