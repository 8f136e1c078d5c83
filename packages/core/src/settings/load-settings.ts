import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { demoSettings } from "./demo-settings";
import { type Settings, settingsSchema } from "./settings.schema";
import { SettingsError } from "./settings-error";
import { settingsRegistry } from "./settings-fields";
import type { RawSettings } from "./settings-model";
import { crossFieldProblems, type SettingsProblem } from "./settings-rules";
import { settingsShape } from "./settings-shape";

export interface LoadSettingsOptions {
  /** Reads the config file; tests replace it. */
  readonly readFile?: (path: string) => string;
}

type SettingKey = keyof typeof settingsShape;
const KEYS = Object.keys(settingsShape) as SettingKey[];
const DURATION_KEYS = new Set(
  KEYS.filter((key) => settingsRegistry.get(settingsShape[key])?.type === "duration"),
);
/** The code review's Python names for durations carry a unit suffix; both spellings are accepted. */
const UNIT_SUFFIXES = [
  ["_minutes", "m"],
  ["_seconds", "s"],
] as const;

interface Collected {
  readonly values: Partial<Record<SettingKey, unknown>>;
  /** Where each value came from, as the problem lines name it. */
  readonly labels: Partial<Record<SettingKey, string>>;
  readonly problems: string[];
}

/**
 * Reads the configuration once, at start-up: built-in defaults, then the
 * demo configuration (sim without a file), then the file named by
 * CML_FLEET_CONFIG (YAML or JSON, keys = lower-cased environment names),
 * then the environment. An empty environment variable counts as unset.
 * Throws a {@link SettingsError} listing every bad value, one per line.
 */
export function loadSettings(
  env: Readonly<Record<string, string | undefined>>,
  options: LoadSettingsOptions = {},
): Settings {
  const collected: Collected = { values: {}, labels: {}, problems: [] };
  const configPath = present(env.CML_FLEET_CONFIG);
  if (configPath !== null) {
    const file = readConfigFile(configPath, options.readFile ?? ((path) => readFileSync(path, "utf8")));
    if ("problem" in file) {
      collected.problems.push(file.problem);
    } else {
      collect(collected, file.values, (key) => `${key} (in ${configPath})`, "file");
    }
  }
  const envValues: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    const text = present(value);
    if (text !== null) {
      envValues[name.toLowerCase()] = text;
    }
  }
  collect(collected, envValues, (key) => key.toUpperCase(), "env");

  const raw: Record<string, unknown> = {};
  for (const key of KEYS) {
    raw[key] = settingsRegistry.get(settingsShape[key])?.default ?? null;
  }
  const provider = collected.values.cloud_provider ?? raw.cloud_provider;
  if (configPath === null && provider === "sim") {
    const simCmlPort = collected.values.sim_cml_port ?? raw.sim_cml_port;
    Object.assign(raw, demoSettings(simCmlPort));
  }
  Object.assign(raw, collected.values);

  const result = settingsSchema.safeParse(raw);
  const problems = [...collected.problems];
  if (!result.success) {
    const issues = result.error.issues;
    problems.push(...issues.map((issue) => describeIssue(issue, raw, collected.labels)));
    // zod skips the cross-field refinement when a field is invalid; run the rules that do not read one.
    const invalid = new Set(issues.filter((issue) => !isCrossField(issue)).map((issue) => issue.path[0]));
    if (invalid.size > 0) {
      const keys = new Set(KEYS.filter((key) => invalid.has(key)));
      problems.push(
        ...crossFieldProblems(withStandIns(raw, keys), keys).map((problem) =>
          describeProblem(problem, collected.labels),
        ),
      );
    }
  }
  if (problems.length > 0 || !result.success) {
    throw new SettingsError(problems);
  }
  return result.data;
}

function present(value: string | undefined): string | null {
  return value === undefined || value.trim() === "" ? null : value;
}

function readConfigFile(
  path: string,
  readFile: (path: string) => string,
): { values: Record<string, unknown> } | { problem: string } {
  let text: string;
  try {
    text = readFile(path);
  } catch (error) {
    return {
      problem: `CML_FLEET_CONFIG: cannot read ${path} (${error instanceof Error ? error.message : String(error)})`,
    };
  }
  let parsed: unknown;
  try {
    // YAML is a superset of JSON, so one parser reads both.
    parsed = parseYaml(text);
  } catch (error) {
    return {
      problem: `CML_FLEET_CONFIG: ${path} is not valid YAML or JSON (${error instanceof Error ? error.message : String(error)})`,
    };
  }
  if (parsed === null || parsed === undefined) {
    return { values: {} };
  }
  if (typeof parsed !== "object" || Array.isArray(parsed)) {
    return { problem: `CML_FLEET_CONFIG: ${path} must hold a map of settings` };
  }
  return { values: parsed as Record<string, unknown> };
}

function isKey(name: string): name is SettingKey {
  return Object.hasOwn(settingsShape, name);
}

/** Copies known keys (and unit-suffixed duration aliases) into `collected`; later sources win. */
function collect(
  collected: Collected,
  source: Readonly<Record<string, unknown>>,
  label: (name: string) => string,
  kind: "file" | "env",
): void {
  const seen = new Set<SettingKey>();
  for (const [name, value] of Object.entries(source)) {
    if (isKey(name)) {
      assign(collected, seen, name, value, label(name));
      continue;
    }
    const alias = UNIT_SUFFIXES.find(([suffix]) => name.endsWith(suffix));
    const base = alias === undefined ? "" : name.slice(0, -alias[0].length);
    if (alias !== undefined && isKey(base) && DURATION_KEYS.has(base)) {
      const amount = typeof value === "number" ? value : Number(String(value).trim());
      if (!Number.isFinite(amount) || amount < 0) {
        collected.problems.push(`${label(name)}: must be a number of ${alias[0].slice(1)}`);
        continue;
      }
      assign(collected, seen, base, `${amount}${alias[1]}`, label(name));
      continue;
    }
    // Environments hold many unrelated variables; only a file's keys are ours, so only there is a stranger a typo.
    if (kind === "file") {
      collected.problems.push(`${label(name)}: unknown setting`);
    }
  }
}

function assign(
  collected: Collected,
  seen: Set<SettingKey>,
  key: SettingKey,
  value: unknown,
  label: string,
): void {
  if (seen.has(key)) {
    collected.problems.push(
      `${label}: ${collected.labels[key] ?? key} already sets this; give only one of them`,
    );
    return;
  }
  seen.add(key);
  collected.values[key] = value;
  collected.labels[key] = label;
}

function isCrossField(issue: z.core.$ZodIssue): boolean {
  return issue.code === "custom" && issue.params?.crossField === true;
}

/** The fields parsed one by one, with each invalid one replaced by its parsed default. */
function withStandIns(raw: Readonly<Record<string, unknown>>, invalid: ReadonlySet<SettingKey>): RawSettings {
  const parsed: Record<string, unknown> = {};
  for (const key of KEYS) {
    const schema = settingsShape[key];
    const value = invalid.has(key) ? settingsRegistry.get(schema)?.default : raw[key];
    const result = schema.safeParse(value ?? null);
    parsed[key] = result.success ? result.data : null;
  }
  return parsed as RawSettings;
}

function nameOf(
  key: SettingKey,
  path: readonly string[],
  labels: Partial<Record<SettingKey, string>>,
): string {
  return `${labels[key] ?? `${key.toUpperCase()} (default)`}${path.map((part) => `.${part}`).join("")}`;
}

function describeProblem(problem: SettingsProblem, labels: Partial<Record<SettingKey, string>>): string {
  return `${nameOf(problem.key, problem.path ?? [], labels)}: ${problem.message}`;
}

function describeIssue(
  issue: z.core.$ZodIssue,
  raw: Readonly<Record<string, unknown>>,
  labels: Partial<Record<SettingKey, string>>,
): string {
  const [first, ...rest] = issue.path.map(String);
  if (first === undefined || !isKey(first)) {
    return issue.message;
  }
  const name = nameOf(first, rest, labels);
  const secret = settingsRegistry.get(settingsShape[first])?.secret === true;
  const value = rest.length === 0 ? raw[first] : undefined;
  const shown =
    !secret && !isCrossField(issue) && issue.code === "custom" && typeof value === "string"
      ? ` (got "${value}")`
      : "";
  return `${name}: ${issue.message}${shown}`;
}
