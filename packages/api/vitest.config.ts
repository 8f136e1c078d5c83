import { defineProject } from "vitest/config";

export default defineProject({
  resolve: {
    // graphql 16 ships ESM (index.mjs) and CJS (index.js). Vite would give our sources the ESM build while
    // Pothos and yoga, loaded by Node, get the CJS one: two graphql realms, and "Cannot use GraphQLObjectType
    // from another module". Pin the one Node itself loads.
    alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }],
  },
  test: {
    name: "api",
    include: ["src/**/*.spec.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
