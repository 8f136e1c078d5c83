import { settingsRegistry } from "./settings-fields";
import { settingsShape } from "./settings-shape";

export interface SettingReference {
  /** Environment variable name; the config file key is the same in lower case. */
  readonly env: string;
  readonly fileKey: string;
  /** Other accepted spellings, e.g. CML_WORKER_IDLE_THRESHOLD_MINUTES. */
  readonly aliases: readonly string[];
  readonly type: string;
  /** The default as it would be written, or null when unset by default. */
  readonly default: string | null;
  readonly description: string;
  readonly secret: boolean;
}

/**
 * Every setting with its name, type, default and description, in schema
 * order; the README's configuration reference is generated from this.
 */
export function settingsReference(): SettingReference[] {
  return Object.entries(settingsShape).map(([key, schema]) => {
    const meta = settingsRegistry.get(schema);
    if (meta === undefined) {
      throw new Error(`setting ${key} was declared without its reference entry`);
    }
    const env = key.toUpperCase();
    return {
      env,
      fileKey: key,
      aliases: meta.type === "duration" ? [`${env}_MINUTES`, `${env}_SECONDS`] : [],
      type: meta.type,
      default: showDefault(meta.default, meta.secret === true),
      description: meta.description,
      secret: meta.secret === true,
    };
  });
}

function showDefault(value: unknown, secret: boolean): string | null {
  if (value === null || value === undefined) {
    return null;
  }
  if (secret) {
    return "(development default)";
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  if (Array.isArray(value)) {
    return value.join(",");
  }
  return JSON.stringify(value);
}
