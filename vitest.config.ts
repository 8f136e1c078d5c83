import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The fault suite (packages/faults) kills and restarts whole processes for minutes: `pnpm test:faults` runs it.
    projects: ["packages/*", "!packages/faults"],
  },
});
