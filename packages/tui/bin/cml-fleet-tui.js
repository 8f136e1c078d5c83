#!/usr/bin/env node
// The package ships TypeScript without a build step: load the entry through
// tsx's scoped loader, resolved from this package's own dependencies, so the
// bin works from any working directory and through pnpm's .bin shims. The
// package's tsconfig is named explicitly: tsx would otherwise look for one in
// the caller's directory and compile JSX for the wrong runtime.
import { fileURLToPath } from "node:url";
import { tsImport } from "tsx/esm/api";

// React's development build costs a third more CPU per frame; a monitor is not being debugged.
process.env.NODE_ENV ??= "production";

await tsImport("../src/main.tsx", {
  parentURL: import.meta.url,
  tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)),
});
