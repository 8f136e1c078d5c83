import { defineProject } from "vitest/config";

export default defineProject({
  resolve: {
    // As in the api project: one graphql realm (the CJS build Node loads for Pothos and yoga), else a
    // GraphQLError made by our sources is not one to yoga, and every refusal is masked as INTERNAL_SERVER_ERROR.
    alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }],
  },
  test: {
    name: "local",
    include: ["src/**/*.spec.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
