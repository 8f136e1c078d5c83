import { parseDuration } from "@cml-fleet/duration/duration";
import { z } from "zod";

/** What the configuration reference shows about one setting. */
export interface SettingMeta {
  /** How the value is written, e.g. "duration", "boolean", "JSON map: region -> AMI". */
  readonly type: string;
  /** The default as it would be written in the environment; null when there is none. */
  readonly default: unknown;
  readonly description: string;
  /** Never echoed in error messages or the reference. */
  readonly secret?: boolean;
}

/** Every setting's schema is registered here, so the reference is generated from the schema itself. */
export const settingsRegistry = z.registry<SettingMeta>();

function registered<T extends z.ZodType>(schema: T, meta: SettingMeta): T {
  settingsRegistry.add(schema as z.ZodType, meta);
  return schema;
}

type Parsed<T> = { readonly value: T } | { readonly error: string };

/**
 * A setting read from either the environment (always text) or a config file
 * (text or a native YAML/JSON value), with one readable message when it is wrong.
 */
function scalar<T>(parse: (raw: unknown) => Parsed<T>) {
  return z.unknown().transform((raw, ctx): T => {
    const result = parse(raw);
    if ("error" in result) {
      ctx.addIssue({ code: "custom", message: result.error });
      return z.NEVER;
    }
    return result.value;
  });
}

const TRUE_WORDS = new Set(["true", "1", "yes", "on"]);
const FALSE_WORDS = new Set(["false", "0", "no", "off"]);

export function booleanSetting(defaultValue: boolean, description: string) {
  const schema = scalar<boolean>((raw) => {
    if (typeof raw === "boolean") {
      return { value: raw };
    }
    const word = String(raw).trim().toLowerCase();
    if (TRUE_WORDS.has(word)) {
      return { value: true };
    }
    if (FALSE_WORDS.has(word)) {
      return { value: false };
    }
    return { error: "must be true or false (also accepted: 1/0, yes/no, on/off)" };
  });
  return registered(schema, { type: "boolean", default: defaultValue, description });
}

/** A switch whose default depends on another setting (e.g. NODE_ENV): unset is null, the caller decides. */
export function optionalBooleanSetting(description: string) {
  const schema = scalar<boolean | null>((raw) => {
    if (raw === null) {
      return { value: null };
    }
    if (typeof raw === "boolean") {
      return { value: raw };
    }
    const word = String(raw).trim().toLowerCase();
    if (TRUE_WORDS.has(word)) {
      return { value: true };
    }
    if (FALSE_WORDS.has(word)) {
      return { value: false };
    }
    return { error: "must be true or false (also accepted: 1/0, yes/no, on/off)" };
  });
  return registered(schema, { type: "boolean", default: null, description });
}

export function durationSetting(defaultValue: string, description: string, options: { min?: number } = {}) {
  const min = options.min ?? 0;
  const schema = scalar<number>((raw) => {
    if (typeof raw !== "string") {
      return { error: "must be a duration written with a unit, e.g. 500ms, 90s, 30m, 2h, 7d" };
    }
    const ms = parseDuration(raw);
    if (ms === null) {
      return { error: "is not a duration; write it with a unit, e.g. 500ms, 90s, 30m, 2h, 7d" };
    }
    if (ms < min) {
      return { error: `must be at least ${min}ms` };
    }
    return { value: ms };
  });
  return registered(schema, { type: "duration", default: defaultValue, description });
}

function toNumber(raw: unknown): number | null {
  if (typeof raw === "number") {
    return raw;
  }
  if (typeof raw === "string" && raw.trim() !== "") {
    const value = Number(raw.trim());
    return Number.isFinite(value) ? value : null;
  }
  return null;
}

export function integerSetting(
  defaultValue: number,
  description: string,
  bounds: { min: number; max: number },
  type = "integer",
) {
  const schema = scalar<number>((raw) => {
    const value = toNumber(raw);
    if (value === null || !Number.isInteger(value)) {
      return { error: "must be a whole number" };
    }
    if (value < bounds.min || value > bounds.max) {
      return { error: `must be between ${bounds.min} and ${bounds.max}` };
    }
    return { value };
  });
  return registered(schema, { type, default: defaultValue, description });
}

export function portSetting(defaultValue: number, description: string) {
  return integerSetting(defaultValue, description, { min: 1, max: 65_535 }, "port");
}

export function percentSetting(defaultValue: number, description: string) {
  const schema = scalar<number>((raw) => {
    const value = toNumber(raw);
    if (value === null || value < 0 || value > 100) {
      return { error: "must be a number from 0 to 100" };
    }
    return { value };
  });
  return registered(schema, { type: "percent", default: defaultValue, description });
}

interface TextOptions {
  readonly secret?: boolean;
  /** A pattern the value must match, and how to say so. */
  readonly pattern?: { readonly regex: RegExp; readonly hint: string };
}

function parseText(raw: unknown, options: TextOptions): Parsed<string> {
  if (typeof raw !== "string" && typeof raw !== "number") {
    return { error: "must be text" };
  }
  const text = String(raw).trim();
  if (text === "") {
    return { error: "must not be empty" };
  }
  if (options.pattern !== undefined && !options.pattern.regex.test(text)) {
    return { error: options.pattern.hint };
  }
  return { value: text };
}

export function textSetting(defaultValue: string, description: string, options: TextOptions = {}) {
  const schema = scalar<string>((raw) => parseText(raw, options));
  return registered(schema, { type: "text", default: defaultValue, description, ...pickSecret(options) });
}

/** Text that may be left unset (null). */
export function optionalTextSetting(description: string, options: TextOptions & { type?: string } = {}) {
  const schema = scalar<string | null>((raw) => (raw === null ? { value: null } : parseText(raw, options)));
  return registered(schema, {
    type: options.type ?? "text",
    default: null,
    description,
    ...pickSecret(options),
  });
}

function pickSecret(options: TextOptions): { secret?: boolean } {
  return options.secret === true ? { secret: true } : {};
}

export function enumSetting<const T extends readonly [string, ...string[]]>(
  values: T,
  defaultValue: T[number],
  description: string,
) {
  const schema = scalar<T[number]>((raw) => {
    const text = typeof raw === "string" ? raw.trim() : raw;
    return typeof text === "string" && (values as readonly string[]).includes(text)
      ? { value: text as T[number] }
      : { error: `must be one of ${values.join(", ")}` };
  });
  return registered(schema, { type: values.join(" | "), default: defaultValue, description });
}

export const URL_PATTERN = {
  regex: /^[a-z][a-z0-9+.-]*:\/\/\S+$/i,
  hint: "must be a URL, e.g. https://host:port",
};

/** A list: a YAML/JSON array in a file; in the environment, comma-separated or a JSON array. */
export function listSetting(
  defaultValue: readonly string[],
  description: string,
  item: { readonly regex: RegExp; readonly hint: string } | null = null,
) {
  const schema = scalar<string[]>((raw) => {
    let items: unknown = raw;
    if (typeof raw === "string") {
      const text = raw.trim();
      items = text.startsWith("[") ? safeJson(text) : text.split(",").map((part) => part.trim());
    }
    if (!Array.isArray(items) || !items.every((entry) => typeof entry === "string")) {
      return { error: "must be a list of text values (comma-separated, or a JSON array)" };
    }
    const values = items.filter((entry) => entry !== "");
    const bad = item === null ? undefined : values.find((entry) => !item.regex.test(entry));
    if (bad !== undefined && item !== null) {
      return { error: `"${bad}" ${item.hint}` };
    }
    return { value: [...new Set(values)] };
  });
  return registered(schema, { type: "list", default: defaultValue, description });
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * A map keyed by region, instance type or account: an object in a file,
 * JSON text in the environment. Each entry is checked by `value`, so a
 * problem names its key (e.g. `CML_WORKER_AMI_CONFIG.us-east-1.ami_id`).
 */
export function mapSetting<V extends z.ZodType>(
  value: V,
  defaultValue: Readonly<Record<string, unknown>>,
  description: string,
  type: string,
) {
  const schema = z.preprocess(
    (raw) => {
      if (typeof raw !== "string") {
        return raw;
      }
      const parsed = safeJson(raw);
      return parsed === undefined ? Symbol.for("cml-fleet.invalid-json") : parsed;
    },
    z.record(z.string().min(1), value, {
      error: (issue) =>
        issue.input === Symbol.for("cml-fleet.invalid-json")
          ? "is not valid JSON (write a JSON object)"
          : "must be a map (an object, or a JSON object in the environment)",
    }),
  );
  return registered(schema, { type, default: defaultValue, description });
}
