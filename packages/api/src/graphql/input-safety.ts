import { unsafeCharacterIn, unsafeCharacterMessage } from "@cml-fleet/core/domain/input-text";
import { ValidationError } from "@cml-fleet/core/errors";
import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from "@pothos/core";
import type { GraphQLFieldResolver } from "graphql";

/**
 * The longest string any argument may be. Each field's own validator sets
 * the real limit (core's `TEXT_RULES`, all far below); this one is the net
 * for a field that forgets its validator.
 */
export const MAX_ARGUMENT_STRING_LENGTH = 4096;

/**
 * The first string in an argument value (literal or variable, nested in
 * input objects and lists) that no field may take: one with a control or
 * invisible formatting character (Postgres refuses a NUL outright, the rest
 * would reach logs and terminals), or one longer than any field accepts.
 * Answers the argument's path and what is wrong, or null.
 */
export function unsafeArgument(value: unknown, path: string): { path: string; problem: string } | null {
  if (typeof value === "string") {
    const unsafe = unsafeCharacterIn(value);
    if (unsafe !== null) {
      return { path, problem: unsafeCharacterMessage(unsafe) };
    }
    if (value.length > MAX_ARGUMENT_STRING_LENGTH) {
      return { path, problem: `must be at most ${MAX_ARGUMENT_STRING_LENGTH} characters` };
    }
    return null;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = unsafeArgument(item, `${path}[${index}]`);
      if (found !== null) {
        return found;
      }
    }
    return null;
  }
  if (typeof value === "object" && value !== null && !(value instanceof Date)) {
    for (const [key, item] of Object.entries(value)) {
      const found = unsafeArgument(item, `${path}.${key}`);
      if (found !== null) {
        return found;
      }
    }
  }
  return null;
}

/** Throws BAD_USER_INPUT naming the first unsafe argument of a field, if any. */
export function assertSafeArguments(args: object): void {
  for (const [name, value] of Object.entries(args)) {
    const found = unsafeArgument(value, name);
    if (found !== null) {
      throw new ValidationError(found.path, found.problem);
    }
  }
}

type Resolver<Types extends SchemaTypes> = GraphQLFieldResolver<unknown, Types["Context"], object>;

/**
 * The safety net under every field's own validation: every field that takes
 * arguments (root fields, subscriptions and nested ones, over HTTP,
 * WebSocket and SSE alike, since it is part of the schema) checks all its
 * argument strings before its resolver runs, so no argument string with a
 * control character ever reaches a service, Postgres or a log line, even
 * from a field added later without a validator. It runs after authorization
 * (the scope-auth plugin is listed first, so it wraps outermost).
 */
export class InputSafetyPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: Resolver<Types>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): Resolver<Types> {
    if (Object.keys(fieldConfig.args).length === 0) {
      return resolver;
    }
    return (parent, args, context, info) => {
      assertSafeArguments(args);
      return resolver(parent, args, context, info);
    };
  }

  override wrapSubscribe(
    subscribe: Resolver<Types> | undefined,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): Resolver<Types> | undefined {
    if (subscribe === undefined || Object.keys(fieldConfig.args).length === 0) {
      return subscribe;
    }
    return (parent, args, context, info) => {
      assertSafeArguments(args);
      return subscribe(parent, args, context, info);
    };
  }
}

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      inputSafety: InputSafetyPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin("inputSafety", InputSafetyPlugin);

export const INPUT_SAFETY_PLUGIN = "inputSafety" as const;
