import { readFileSync } from "node:fs";
import { buildSchema, findBreakingChanges } from "graphql";
import { describe, expect, it } from "vitest";
import { printFleetSchema } from "../../src/graphql/print-schema";

const committed = readFileSync(new URL("../../schema.graphql", import.meta.url), "utf8");
const contract = readFileSync(
  new URL("../../../../../shared/contract/schema.graphql", import.meta.url),
  "utf8",
);

describe("the printed schema", () => {
  it("matches the committed schema.graphql (run `pnpm --filter @cml-fleet/api print-schema` after changing types)", () => {
    expect(printFleetSchema()).toBe(committed);
  });

  it("has no breaking change against the public contract", () => {
    expect(findBreakingChanges(buildSchema(contract), buildSchema(committed))).toEqual([]);
  });
});
