import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "terminal-text",
    include: ["src/**/*.spec.ts"],
  },
});
