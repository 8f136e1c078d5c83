import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "cli-args",
    include: ["src/**/*.spec.ts"],
  },
});
