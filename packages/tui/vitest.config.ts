import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "tui",
    include: ["src/**/*.spec.{ts,tsx}", "test/**/*.test.{ts,tsx}"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
