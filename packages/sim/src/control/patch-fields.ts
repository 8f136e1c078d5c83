/**
 * The `/_sim` control API takes partial JSON objects (faults, a CML patch):
 * every field optional, each checked by its own rule, an unknown one refused.
 * Errors are plain messages, answered as 400.
 */

/** A field's value to keep, or why it is refused. */
export type FieldResult<V> = { readonly value: V } | { readonly error: string };

export type FieldCheck<V> = (value: unknown, key: string) => FieldResult<V>;

export type FieldChecks<T> = { readonly [K in keyof T]-?: FieldCheck<T[K]> };

export function isJsonObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

export function isBoolean(value: unknown): value is boolean {
  return typeof value === "boolean";
}

export function isOneOf<V extends string>(values: readonly V[]): (value: unknown) => value is V {
  return (value): value is V => typeof value === "string" && (values as readonly string[]).includes(value);
}

export function orNull<V>(accepts: (value: unknown) => value is V): (value: unknown) => value is V | null {
  return (value): value is V | null => value === null || accepts(value);
}

/** A check whose message reads "<key> must be <expected>". */
export function field<V>(accepts: (value: unknown) => value is V, expected: string): FieldCheck<V> {
  return (value, key) => (accepts(value) ? { value } : { error: `${key} must be ${expected}` });
}

/** Reads `body` field by field; the first refused or unknown field's message is the answer. */
export function readPatch<T extends object>(
  body: unknown,
  checks: FieldChecks<T>,
  unknownField: (key: string) => string,
): Partial<T> | string {
  if (!isJsonObject(body)) {
    return "body must be a JSON object";
  }
  const patch: { -readonly [K in keyof T]?: T[K] } = {};
  for (const [key, raw] of Object.entries(body)) {
    if (!isCheckedKey(checks, key)) {
      return unknownField(key);
    }
    const checked = checks[key](raw, key);
    if ("error" in checked) {
      return checked.error;
    }
    patch[key] = checked.value;
  }
  return patch;
}

// Own keys only: a body key such as "constructor" or "__proto__" is unknown, not inherited.
function isCheckedKey<T extends object>(
  checks: FieldChecks<T>,
  key: string,
): key is Extract<keyof T, string> {
  return Object.hasOwn(checks, key);
}
