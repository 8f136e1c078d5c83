import { defineProject } from "vitest/config";

/**
 * The fault suite: not part of `pnpm test` (the root config leaves this package out), run by `pnpm test:faults`.
 * Every file starts its own processes (Postgres, Redis, the simulator, the API, job processes): one file at a
 * time, so two never compete for the machine's CPUs while they measure how long convergence takes.
 */
export default defineProject({
  test: {
    name: "faults",
    include: ["src/**/*.spec.ts", "test/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
