import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { printFleetSchema } from "../graphql/print-schema";

/** Writes the printed schema beside package.json (`pnpm --filter @cml-fleet/api print-schema`). */
const target = fileURLToPath(new URL("../../schema.graphql", import.meta.url));
writeFileSync(target, printFleetSchema());
console.log(`wrote ${target}`);
