import { durationSetting } from "./settings-fields";

/** Settings of schedules: how often they are evaluated, and the lead time before the fleet has learned one. */
export const scheduleSettingsShape = {
  cml_schedule_evaluation_interval: durationSetting(
    "60s",
    "How often a job process evaluates the workers' schedules (starts due for an opening window, late starts). A start is asked for up to one interval after its time, so the interval is added to the lead time.",
    { min: 100 },
  ),
  cml_schedule_default_lead: durationSetting(
    "15m",
    "With readyAtStart, how long before a window opens a stopped worker is started while the fleet has fewer than 3 starts (start asked to AVAILABLE) of that region and instance type to learn from; then their 90th percentile is used. Any lead is capped at 2h.",
    { min: 0 },
  ),
};
