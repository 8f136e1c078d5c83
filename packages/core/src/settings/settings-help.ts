import { settingsReference } from "./settings-reference";

/** A setting as a command's --help lists it (the shape of @cml-fleet/cli-args' EnvironmentHelp). */
export interface SettingHelp {
  readonly name: string;
  readonly description: string;
}

/** The first sentence of a description: --help shows one line per setting, the README has the rest. */
function firstSentence(text: string): string {
  const end = text.search(/\.(\s|$)/);
  return end === -1 ? text : text.slice(0, end + 1);
}

/**
 * The named settings with their description's first sentence and default,
 * for a command's --help. A name that is not a setting throws, so a help text
 * cannot list a variable nothing reads.
 */
export function settingsHelp(names: readonly string[]): SettingHelp[] {
  const reference = new Map(settingsReference().map((setting) => [setting.env, setting]));
  return names.map((name) => {
    const setting = reference.get(name);
    if (setting === undefined) {
      throw new Error(`${name} is not a setting`);
    }
    const fallback =
      setting.default === null || setting.default === "" ? "" : ` Default: ${setting.default}.`;
    return { name, description: `${firstSentence(setting.description)}${fallback}` };
  });
}

/** The file of settings, which is not a setting itself. */
export const CONFIG_FILE_HELP: SettingHelp = {
  name: "CML_FLEET_CONFIG",
  description:
    "A YAML or JSON file of settings (keys: the names in lower case); the environment wins over it.",
};

/** What `pnpm start`, the API and a job process all read first. */
export const COMMON_SETTINGS = [
  "NODE_ENV",
  "DATABASE_URL",
  "REDIS_URL",
  "REDIS_KEY_PREFIX",
  "CLOUD_PROVIDER",
  "LOG_LEVEL",
  "OTEL_EXPORTER_OTLP_ENDPOINT",
] as const;

/** CML_FLEET_CONFIG, the common settings, then these. */
export function fleetSettingsHelp(extra: readonly string[]): SettingHelp[] {
  return [CONFIG_FILE_HELP, ...settingsHelp([...COMMON_SETTINGS, ...extra])];
}

const FOOTER_SETTINGS =
  'Every setting, its default and its config-file key: README.md, "Configuration reference".';

/** The last lines of a fleet process's --help. */
export const FLEET_HELP_FOOTER = `${FOOTER_SETTINGS}\n\nExit status: 0 stopped on a signal; 1 bad settings or a service out of reach; 2 bad arguments.`;
