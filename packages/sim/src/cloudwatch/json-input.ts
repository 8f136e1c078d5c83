import { cloudWatchErrors } from "./cloudwatch-error";

/** Narrow accessors over an untyped JSON request body, failing like CloudWatch on bad input. */
export type JsonObject = Readonly<Record<string, unknown>>;

export function asObject(value: unknown, what: string): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw cloudWatchErrors.invalidParameter(`${what} must be an object`);
  }
  return value as JsonObject;
}

export function optionalArray(input: JsonObject, name: string): readonly unknown[] {
  const value = input[name];
  if (value === undefined) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw cloudWatchErrors.invalidParameter(`${name} must be a list`);
  }
  return value;
}

/** A list that must have at least one and at most `max` members. */
export function requiredList(input: JsonObject, name: string, max: number): readonly unknown[] {
  const value = optionalArray(input, name);
  if (value.length === 0) {
    throw cloudWatchErrors.missingParameter(name);
  }
  if (value.length > max) {
    throw cloudWatchErrors.validation(`The collection ${name} must not have a size greater than ${max}.`);
  }
  return value;
}

export function requiredString(input: JsonObject, name: string): string {
  const value = input[name];
  if (value === undefined || value === null || value === "") {
    throw cloudWatchErrors.missingParameter(name);
  }
  if (typeof value !== "string") {
    throw cloudWatchErrors.invalidParameter(`${name} must be a string`);
  }
  return value;
}

export function optionalNumber(input: JsonObject, name: string): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) {
    return undefined;
  }
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw cloudWatchErrors.invalidParameter(`${name} must be a number`);
  }
  return value;
}

/** Timestamps arrive as epoch seconds (possibly fractional). */
export function requiredTimestamp(input: JsonObject, name: string): number {
  const value = optionalNumber(input, name);
  if (value === undefined) {
    throw cloudWatchErrors.missingParameter(name);
  }
  return value;
}

export function readDimensions(input: JsonObject): Array<{ name: string; value: string }> {
  return optionalArray(input, "Dimensions").map((entry) => {
    const dimension = asObject(entry, "Dimension");
    return { name: requiredString(dimension, "Name"), value: requiredString(dimension, "Value") };
  });
}
