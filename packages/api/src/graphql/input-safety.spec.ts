import { ValidationError } from "@cml-fleet/core/errors";
import SchemaBuilder from "@pothos/core";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { graphql } from "graphql";
import { describe, expect, it } from "vitest";
import { INPUT_SAFETY_PLUGIN, MAX_ARGUMENT_STRING_LENGTH, unsafeArgument } from "./input-safety";

/**
 * A schema whose fields forgot to validate their arguments, as a future
 * field might: what reaches their resolvers stands for what would reach Postgres.
 */
function forgetfulSchema(written: unknown[]) {
  // The plugins in the production order; no field here asks for a scope.
  const builder = new SchemaBuilder<{ Context: object }>({
    plugins: [ScopeAuthPlugin, INPUT_SAFETY_PLUGIN],
    scopeAuth: { authScopes: () => ({}) },
  });
  const Note = builder.inputType("NoteInput", {
    fields: (t) => ({ lines: t.stringList({ required: true }), title: t.string() }),
  });
  builder.queryType({
    fields: (t) => ({
      hello: t.string({ resolve: () => "hello" }),
      echo: t.string({
        args: { text: t.arg.string(), note: t.arg({ type: Note }) },
        resolve: (_root, args) => {
          written.push(args);
          return "stored";
        },
      }),
    }),
  });
  return builder.toSchema();
}

async function run(source: string, variableValues: Record<string, unknown> = {}) {
  const written: unknown[] = [];
  const result = await graphql({
    schema: forgetfulSchema(written),
    source,
    variableValues,
    contextValue: {},
  });
  return { result, written };
}

describe("the input-safety net", () => {
  it("lets plain text through to a field without a validator", async () => {
    const { result, written } = await run(`{ echo(text: "plain words, über ünicode") }`);
    expect(result.errors).toBeUndefined();
    expect(written).toEqual([{ text: "plain words, über ünicode" }]);
  });

  it.each([
    ["a NUL in a literal", `{ echo(text: "a\\u0000b") }`, {}, "text"],
    ["a newline in a variable", "query($t: String) { echo(text: $t) }", { t: "a\nb" }, "text"],
    [
      "an escape deep in an input object",
      "query($n: NoteInput) { echo(note: $n) }",
      { n: { lines: ["ok", "\u001b]0;pwned\u0007"] } },
      "note.lines[1]",
    ],
    [
      "a huge string",
      "query($t: String) { echo(text: $t) }",
      { t: "x".repeat(MAX_ARGUMENT_STRING_LENGTH + 1) },
      "text",
    ],
  ])("refuses %s before the resolver runs, naming the argument", async (_label, source, variables, path) => {
    const { result, written } = await run(source, variables);
    expect(written).toEqual([]);
    const original = result.errors?.[0]?.originalError;
    expect(original).toBeInstanceOf(ValidationError);
    expect(original?.message.startsWith(`${path}: must`)).toBe(true);
  });

  it("leaves fields without arguments alone", async () => {
    const { result } = await run("{ hello }");
    expect(result.data).toEqual({ hello: "hello" });
  });

  it("finds the first unsafe string anywhere in a value, and nothing in safe ones", () => {
    expect(unsafeArgument({ a: [1, "ok", { b: "\u2028" }] }, "input")).toMatchObject({
      path: "input.a[2].b",
    });
    expect(unsafeArgument({ a: [1, "ok", new Date(0)] }, "input")).toBeNull();
  });
});
