import { DEMO_IMAGES, DEMO_REGIONS } from "@cml-fleet/core/settings/demo-settings";
import { SIM_IMAGES } from "@cml-fleet/sim/catalog";
import { describe, expect, it } from "vitest";

describe("the built-in demo configuration", () => {
  it.each(DEMO_REGIONS)("uses the newest CML image the simulator offers in %s", (region) => {
    const newest = [...SIM_IMAGES[region]]
      .sort((a, b) => a.cmlVersion.localeCompare(b.cmlVersion, "en", { numeric: true }))
      .at(-1);
    expect(newest).toBeDefined();
    expect(DEMO_IMAGES[region]).toEqual({
      imageId: newest?.imageId,
      name: newest?.name,
      cmlVersion: newest?.cmlVersion,
    });
  });
});
