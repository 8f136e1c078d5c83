/** A machine image of the built-in demo configuration. */
export interface DemoImage {
  readonly imageId: string;
  readonly name: string;
  readonly cmlVersion: string;
}

export const DEMO_REGIONS = ["us-east-1", "us-west-2"] as const;
export type DemoRegion = (typeof DEMO_REGIONS)[number];

/**
 * The newest CML image the bundled simulator offers in each demo region. Core
 * may not import the simulator, and the API process must not depend on it, so
 * the two ids are written here; a test of the all-in-one package
 * (`packages/local/test/demo-images.test.ts`) fails when they drift from the
 * simulator's catalog.
 */
export const DEMO_IMAGES: Readonly<Record<DemoRegion, DemoImage>> = {
  "us-east-1": { imageId: "ami-0c9f4e2a7b1d83e52", name: "CML-2.9.0-Ubuntu-22.04", cmlVersion: "2.9.0" },
  "us-west-2": { imageId: "ami-0f7a3b9c2d1e45a68", name: "CML-2.9.0-Ubuntu-22.04", cmlVersion: "2.9.0" },
};

/**
 * The built-in demo configuration (CLOUD_PROVIDER=sim and no config file),
 * as raw file-shaped values: the two demo regions with their demo images, the
 * CML API on the simulator's CML port, TLS verification off because the
 * simulator's certificate is self-signed, and http:// notification channels allowed.
 */
export function demoSettings(simCmlPort: unknown): Record<string, unknown> {
  const amiConfig = Object.fromEntries(
    DEMO_REGIONS.map((region) => {
      const image = DEMO_IMAGES[region];
      return [region, { ami_id: image.imageId, ami_name: image.name, cml_version: image.cmlVersion }];
    }),
  );
  return {
    aws_default_region: DEMO_REGIONS[0],
    aws_allowed_regions: [...DEMO_REGIONS],
    cml_worker_ami_config: amiConfig,
    cml_api_port: simCmlPort,
    cml_https_port: simCmlPort,
    cml_tls_verify: false,
    // A local receiver (a script on 127.0.0.1) can try notification channels without a certificate.
    notify_allow_http: true,
  };
}
