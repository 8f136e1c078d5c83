import {
  booleanSetting,
  durationSetting,
  integerSetting,
  optionalTextSetting,
  percentSetting,
  portSetting,
  textSetting,
} from "./settings-fields";

/** The default password of the CML service account; refused in production. */
export const DEFAULT_CML_PASSWORD = "cml-fleet-dev-password";

/** Settings of the CML service on the workers, licensing, the idle policy, telemetry and jobs. */
export const cmlSettingsShape = {
  // --- CML service ---
  cml_https_port: portSetting(443, "Port of the CML web UI on a worker (links shown to users)."),
  cml_api_port: portSetting(443, "Port of the CML REST API on a worker (what the fleet calls)."),
  cml_health_check_interval: durationSetting(
    "30s",
    "Longest wait between two polls while a job waits on a worker: its instance to run, start or stop (EC2), its CML to be ready. Polls start 1 s apart (or this, if shorter) and back off to this; a license registration is polled every 5 s, or this if shorter.",
    {
      min: 100,
    },
  ),
  cml_startup_timeout: durationSetting(
    "10m",
    "How long a started worker may take until its CML API is ready.",
    {
      min: 1_000,
    },
  ),
  cml_username: textSetting(
    "admin",
    "CML account the fleet uses on every worker (its own events are not user activity).",
  ),
  cml_password: textSetting(
    DEFAULT_CML_PASSWORD,
    "Password of CML_USERNAME. Must be changed in production.",
    {
      secret: true,
    },
  ),
  cml_tls_verify: booleanSetting(
    true,
    "Verify the TLS certificate of the workers' CML API: its chain must lead to a CA of CML_CA_BUNDLE (or the system's) and it must name the address the fleet connects to (the worker's IP). CML ships a self-signed certificate naming no such address: install one that does, or turn this off knowingly (each worker's certificate is pinned on first use either way).",
  ),
  cml_ca_bundle: optionalTextSetting(
    "Path of a PEM file of the CA certificates trusted for the CML API when CML_TLS_VERIFY is on, instead of the system's; read at start.",
    {
      type: "path",
    },
  ),
  cml_request_timeout: durationSetting("15s", "Timeout of one request to a CML API.", { min: 100 }),
  cml_request_concurrency: integerSetting(
    256,
    "Most requests to the workers' CML APIs in flight at once per process, all workers and callers together (at most 2 to any one worker; the others wait their turn). A telemetry shard looks at as many workers at once as its share of this bound holds (two shards at once per process). Each request waits on a network round trip, not on the CPU: at 50 ms a CML answer, 256 in flight ask a 10,000-worker fleet's 60,000 questions in about 12 s.",
    {
      min: 1,
      max: 4_096,
    },
  ),

  // --- licensing ---
  cml_license_token: optionalTextSetting("Smart Licensing token registered on every new worker when set.", {
    secret: true,
  }),
  cml_license_check_on_startup: booleanSetting(
    true,
    "When a job process starts, read the license of every running worker once (a refresh job each), so a change made while none ran shows at once.",
  ),
  cml_license_registration_timeout: durationSetting("5m", "How long a license registration may take.", {
    min: 1_000,
  }),
  cml_license_read_interval: durationSetting(
    "10m",
    "How often a telemetry sweep reads a settled license (REGISTERED, UNREGISTERED, EVALUATION) whose worker shows no sign of a change; a look reads it at once when CML's health (is_licensed) or the running nodes disagree with it, and every look while it is in any other status. Spread over the interval by worker, so each sweep reads a slice of the fleet's licenses. 0s reads it every look.",
  ),

  // --- lifecycle and idle policy ---
  cml_worker_idle_threshold: durationSetting(
    "30m",
    "Idle this long: the worker is stopped (if auto-shutdown is on).",
    {
      min: 1_000,
    },
  ),
  cml_worker_max_idle_before_warning: durationSetting(
    "20m",
    "Idle this long: a warning is raised; must be shorter than CML_WORKER_IDLE_THRESHOLD.",
  ),
  cml_worker_auto_shutdown_enabled: booleanSetting(true, "Stop workers that stay idle for the threshold."),
  cml_worker_telemetry_collection_interval: durationSetting(
    "60s",
    "Period of the telemetry sweep (EC2 status, CloudWatch, CML stats) and of the idle check.",
    { min: 1_000 },
  ),
  cml_worker_idle_snooze_after_start: durationSetting(
    "60m",
    "No auto-stop this long after a worker is started, so people get time to begin.",
  ),
  cml_worker_idle_min_uptime: durationSetting(
    "15m",
    "No auto-stop before a worker has been up this long since boot (its CML may still be loading).",
  ),
  cml_worker_idle_stale_telemetry_age: durationSetting(
    "5m",
    "Telemetry older than this counts as unknown, and an unknown worker is never judged idle.",
    { min: 1_000 },
  ),
  cml_worker_idle_cpu_veto_percent: percentSetting(
    20,
    "CPU at or above this percent vetoes an idle verdict even without running nodes.",
  ),
  cml_worker_idle_dry_run: booleanSetting(
    false,
    "Judge idleness and record warnings and would-be stops as events, but never stop a worker.",
  ),
  cml_worker_reboot_on_impaired: booleanSetting(
    false,
    "Reboot a worker (EC2 RebootInstances) whose EC2 status checks stay impaired; once per impairment, never while labs run.",
  ),
  cml_worker_impaired_sweeps_before_reboot: integerSetting(
    3,
    "Consecutive telemetry sweeps that must find a status check impaired before the reboot (with CML_WORKER_REBOOT_ON_IMPAIRED).",
    { min: 1, max: 1_000 },
  ),
  cml_worker_auto_import_orphans: booleanSetting(
    false,
    "Import instances carrying the fleet tag that the database does not know (else they are only reported).",
  ),
  cml_snapshot_keep: integerSetting(
    0,
    "EBS snapshots kept per worker: when a snapshot completes, that worker's older completed ones beyond this many are deleted (EC2 DeleteSnapshot); 0 keeps them all.",
    { min: 0, max: 1_000 },
  ),

  // --- telemetry ---
  cml_telemetry_retention: durationSetting("7d", "How long telemetry samples are kept.", { min: 60_000 }),
  cml_custom_metrics_enabled: booleanSetting(
    false,
    "Publish the fleet's CML figures as CloudWatch custom metrics: totals per account and region (workers running, CML reachable, licensed and idle; running nodes; started labs), 6 series at $0.30 a month each at list price, put on change or once CML_CUSTOM_METRICS_PERIOD has passed (see CML_CUSTOM_METRICS_PER_WORKER for a series per worker).",
  ),
  cml_custom_metrics_namespace: textSetting("CMLFleet", "CloudWatch namespace of the custom metrics."),
  cml_custom_metrics_period: durationSetting(
    "5m",
    "With custom metrics on: a series is published when its value changed, else again once this long has passed since its last datapoint (so alarms keep seeing data). Fleet totals per account and region: 6 series, $1.80 a month at list price, whatever the number of workers.",
    { min: 1_000 },
  ),
  cml_custom_metrics_per_worker: booleanSetting(
    false,
    "With custom metrics on, also publish each running worker's RunningNodes, StartedLabs and LicenseRegistered (WorkerId and WorkerName dimensions): 3 more series per worker, $0.90 per worker-month at list price.",
  ),
  cml_sweep_shard_size: integerSetting(
    250,
    "Most workers in one shard of the telemetry sweep: each account and region is read from AWS once, then its workers are cut into shards of at most this many (by a hash of their ids, so a shard keeps its workers), each swept by its own job that any job process may take, never two runs of one shard at once.",
    { min: 1, max: 10_000 },
  ),

  // --- jobs ---
  cml_provisioning_timeout: durationSetting(
    "20m",
    "How long provisioning (launch, boot, CML ready, license) may take, counted from its first attempt, before it stops acting and the worker is marked FAILED.",
    { min: 1_000 },
  ),
  cml_job_timeout: durationSetting(
    "10m",
    "How long any other job (start, stop, terminate, import ...) and each sweep (telemetry, idle check, reconciliation) may run before it stops acting and fails with the reason; also how long importWorkers waits for its job.",
    {
      min: 1_000,
    },
  ),
  cml_job_attempts: integerSetting(5, "Attempts of a job failing with a retryable error (with backoff).", {
    min: 1,
    max: 50,
  }),
  cml_convergence_interval: durationSetting(
    "15s",
    "How often a job process lands accepted intents whose job was lost (Redis restarted empty, a crash between commit and queue): an operation still pending one interval after it was asked for, with no job in the queue, is queued again (at most 5 times, then it fails visibly).",
    { min: 100 },
  ),
};
