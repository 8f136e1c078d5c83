#!/usr/bin/env node
// The package ships TypeScript without a build step: load the entry through
// tsx's scoped loader (resolved from this package's own dependencies, so the
// bin works from any working directory and through pnpm's .bin shims, which
// may be symlinks).
import { tsImport } from "tsx/esm/api";

await tsImport("../src/main.tsx", import.meta.url);
