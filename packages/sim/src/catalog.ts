/** The machine images and instance types the simulated cloud knows. */

export interface SimImage {
  readonly imageId: string;
  readonly name: string;
  readonly cmlVersion: string;
  readonly creationDate: string;
  readonly description: string;
}

export const SIM_REGIONS = ["us-east-1", "us-west-2", "eu-west-1"] as const;
export type SimRegion = (typeof SIM_REGIONS)[number];

/** CML marketplace-style AMIs per region; ids differ per region as on AWS. */
export const SIM_IMAGES: Readonly<Record<SimRegion, readonly SimImage[]>> = {
  "us-east-1": [
    image("ami-0a1b2c3d4e5f60701", "2.8.1", "2025-03-14T09:12:44.000Z"),
    image("ami-0c9f4e2a7b1d83e52", "2.9.0", "2025-07-02T16:40:03.000Z"),
  ],
  "us-west-2": [
    image("ami-04d2e8f1a9b3c7e15", "2.8.1", "2025-03-14T09:30:10.000Z"),
    image("ami-0f7a3b9c2d1e45a68", "2.9.0", "2025-07-02T17:02:51.000Z"),
  ],
  "eu-west-1": [
    image("ami-02b6c4d8e0f1a3b57", "2.8.1", "2025-03-14T10:05:27.000Z"),
    image("ami-09e1d3c5b7a9f0e24", "2.9.0", "2025-07-02T17:25:38.000Z"),
  ],
};

function image(imageId: string, cmlVersion: string, creationDate: string): SimImage {
  return {
    imageId,
    name: `CML-${cmlVersion}-Ubuntu-22.04`,
    cmlVersion,
    creationDate,
    description: `Cisco Modeling Labs ${cmlVersion} controller on Ubuntu 22.04`,
  };
}

export interface SimInstanceType {
  readonly vcpus: number;
  readonly memoryGiB: number;
}

/** Instance types RunInstances accepts; CML needs nested virtualization, hence the metal types. */
export const SIM_INSTANCE_TYPES: Readonly<Record<string, SimInstanceType>> = {
  "t3.large": { vcpus: 2, memoryGiB: 8 },
  "t3.xlarge": { vcpus: 4, memoryGiB: 16 },
  "m5.xlarge": { vcpus: 4, memoryGiB: 16 },
  "m5.2xlarge": { vcpus: 8, memoryGiB: 32 },
  "m5.4xlarge": { vcpus: 16, memoryGiB: 64 },
  "c5.2xlarge": { vcpus: 8, memoryGiB: 16 },
  "c5.4xlarge": { vcpus: 16, memoryGiB: 32 },
  "m5.metal": { vcpus: 96, memoryGiB: 384 },
  "m5zn.metal": { vcpus: 48, memoryGiB: 192 },
  "c5.metal": { vcpus: 96, memoryGiB: 192 },
  "c5n.metal": { vcpus: 72, memoryGiB: 192 },
  "m6i.metal": { vcpus: 128, memoryGiB: 512 },
  "c6i.metal": { vcpus: 128, memoryGiB: 256 },
  "m7i.metal-24xl": { vcpus: 96, memoryGiB: 384 },
  "r5.metal": { vcpus: 96, memoryGiB: 768 },
};

export function isSimRegion(region: string): region is SimRegion {
  return (SIM_REGIONS as readonly string[]).includes(region);
}

export function findImage(region: string, imageId: string): SimImage | undefined {
  return isSimRegion(region)
    ? SIM_IMAGES[region].find((candidate) => candidate.imageId === imageId)
    : undefined;
}

export function imagesIn(region: string): readonly SimImage[] {
  return isSimRegion(region) ? SIM_IMAGES[region] : [];
}
