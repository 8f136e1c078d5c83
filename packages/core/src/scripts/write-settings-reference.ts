/**
 * Regenerates the README's configuration reference from the settings schema:
 * `pnpm docs:settings`. A test fails when the README and the schema differ.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { withSettingsReference } from "../settings/settings-reference-markdown";

const readme = fileURLToPath(new URL("../../../../README.md", import.meta.url));
const before = readFileSync(readme, "utf8");
const after = withSettingsReference(before);
if (after === before) {
  console.log("README.md configuration reference is up to date");
} else {
  writeFileSync(readme, after);
  console.log("README.md configuration reference rewritten");
}
