import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "replay",
    include: ["src/**/*.spec.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
