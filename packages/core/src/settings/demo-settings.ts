/** A machine image the simulator knows; structurally the sim's `SimImage`. */
export interface DemoImage {
  readonly imageId: string;
  readonly name: string;
  readonly cmlVersion: string;
}

/** Images per region, as `SIM_IMAGES` from `@cml-fleet/sim/catalog` provides them. */
export type DemoImageCatalog = Readonly<Record<string, readonly DemoImage[]>>;

export const DEMO_REGIONS = ["us-east-1", "us-west-2"] as const;

/**
 * The built-in demo configuration (CLOUD_PROVIDER=sim and no config file),
 * as raw file-shaped values: the two demo regions with the newest AMI the
 * simulator offers in each, the CML API on the simulator's CML port, and TLS
 * verification off because the simulator's certificate is self-signed.
 * Core may not import the simulator at run time, so the composition root
 * passes its catalog in.
 */
export function demoSettings(catalog: DemoImageCatalog, simCmlPort: unknown): Record<string, unknown> {
  const amiConfig: Record<string, Record<string, string>> = {};
  for (const region of DEMO_REGIONS) {
    const newest = [...(catalog[region] ?? [])].sort((a, b) =>
      a.cmlVersion.localeCompare(b.cmlVersion, "en", { numeric: true }),
    );
    const image = newest.at(-1);
    if (image !== undefined) {
      amiConfig[region] = { ami_id: image.imageId, ami_name: image.name, cml_version: image.cmlVersion };
    }
  }
  return {
    aws_default_region: DEMO_REGIONS[0],
    aws_allowed_regions: [...DEMO_REGIONS],
    cml_worker_ami_config: amiConfig,
    cml_api_port: simCmlPort,
    cml_https_port: simCmlPort,
    cml_tls_verify: false,
  };
}
