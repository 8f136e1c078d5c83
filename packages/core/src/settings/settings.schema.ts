import { z } from "zod";
import { toSettingsModel } from "./settings-model";
import { checkCrossFields } from "./settings-rules";
import { settingsShape } from "./settings-shape";

/**
 * The one schema of cml-fleet's configuration. Input: the flat object whose
 * keys are the lower-cased environment names (what load-settings assembles
 * from defaults, the config file and the environment). Output: the grouped
 * {@link Settings} object the code receives.
 */
export const settingsSchema = z
  .strictObject(settingsShape)
  .superRefine(checkCrossFields)
  .transform(toSettingsModel);

export type Settings = z.infer<typeof settingsSchema>;
export type IdleSettings = Settings["idle"];
export type PricingSettings = Settings["pricing"];
