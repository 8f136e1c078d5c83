import { type RunningSimulator, startSimulator } from "@cml-fleet/sim/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AwsCloudProvider } from "../../src/adapters/aws/create-aws-cloud-provider";
import { createCmlClient, type HttpCmlClient } from "../../src/adapters/cml/create-cml-client";
import { CmlError } from "../../src/errors";
import type { CloudTarget } from "../../src/ports/cloud-provider.port";
import { silentLogger } from "../support/silent-logger";
import { readySimWorker, simControl } from "../support/sim-support";
import { simAwsProvider } from "../support/simulated-aws";

/** What a lab user or an AWS account user can write: retitle the terminal, write the clipboard, clear it. */
const ESC = "\u001b";
const TITLE = `${ESC}]2;pwned\u0007`;
const CLIPBOARD = `${ESC}]52;c;cm0gLXJmIH4=\u0007`;
const CLEAR = `${ESC}[2J${ESC}[H`;
const HOSTILE = `${TITLE}${CLIPBOARD}${CLEAR}`;
/** What a terminal would obey, and the bidi overrides that reorder what a person reads. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the test looks for control characters
const OBEYED = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;

const USERNAME = "fleet-admin";
const PASSWORD = "fleet-secret";
const target: CloudTarget = { accountId: "default", region: "us-east-1" };

let sim: RunningSimulator;
let control: ReturnType<typeof simControl>;
let cml: HttpCmlClient;
let aws: AwsCloudProvider;

beforeAll(async () => {
  sim = await startSimulator({
    bootDelayMs: 50,
    stopDelayMs: 50,
    cmlReadyDelayMs: 50,
    cmlUsername: USERNAME,
    cmlPassword: PASSWORD,
  });
  control = simControl(sim);
  cml = createCmlClient({
    username: USERNAME,
    password: PASSWORD,
    tls: { verify: false },
    requestTimeoutMs: 10_000,
    logger: silentLogger,
  });
  aws = simAwsProvider(sim, { maxAttempts: 3 });
});

afterAll(async () => {
  cml?.close();
  aws?.close();
  await sim?.close();
});

describe("text from a worker's CML, cleaned by the CML client", () => {
  it("reads lab titles, states and ids a lab user wrote with escape sequences as plain text", async () => {
    const { instanceId, endpoint } = await readySimWorker(sim, control);
    await control.call("PATCH", `/_sim/instances/${instanceId}/cml`, {
      labs: [
        { id: "lab-1", title: `CCNA ${HOSTILE}routing\r\nday 2`, state: `STARTED${CLEAR}` },
        { id: `lab-${TITLE}2`, title: "ラボ 👩‍💻 \u202Eevil", state: "STOPPED" },
      ],
    });

    const labs = await cml.labs(endpoint);

    expect(labs).toEqual([
      { id: "lab-1", title: "CCNA routing  day 2", state: "STARTED", nodeCount: 2 },
      { id: "lab-2", title: "ラボ 👩‍💻 evil", state: "STOPPED", nodeCount: 2 },
    ]);
  });

  it("builds an error from CML's answer without the escape sequences in it", async () => {
    const { endpoint } = await readySimWorker(sim, control);

    // The simulated CML names the lab it did not find, as CML does: the answer carries the hostile id back.
    const error = await cml.stopLab(endpoint, `gone${HOSTILE}`).then(
      () => expect.unreachable("stopping an unknown lab succeeds"),
      (failure: unknown) => failure,
    );

    expect(error).toBeInstanceOf(CmlError);
    // The request path is the fleet's own, percent-encoded; CML's words after the status are cleaned.
    expect((error as CmlError).message).toMatch(/answered HTTP 404: Lab not found: gone$/);
    expect((error as CmlError).message).not.toMatch(OBEYED);
  });
});

describe("EC2 tags of an instance launched behind the fleet's back, cleaned by the AWS adapter", () => {
  it("reads hostile tag keys, values and names through the SDK as plain, bounded text", async () => {
    const launched = (await control.call("POST", "/_sim/instances", {
      region: target.region,
      tags: {
        Name: `lab-${HOSTILE}one`,
        [`owner${CLEAR}`]: `alice${CLIPBOARD}\n`,
        "cml-fleet:managed": "true",
        // Only the same as a real key once cleaned: it must not replace the real one.
        "cml-fleet:\u0000managed": "false",
        course: "x".repeat(400),
      },
    })) as { instanceId: string };
    const { instanceId } = launched;

    const instance = await aws.describe(target, instanceId);

    expect(instance?.tags).toEqual({
      Name: "lab-one",
      owner: "alice ",
      "cml-fleet:managed": "true",
      course: `${"x".repeat(255)}…`,
    });
    const fleet = await aws.describeFleet(target);
    const listed = fleet.find((entry) => entry.instanceId === instanceId);
    expect(listed?.tags.Name).toBe("lab-one");
    for (const [key, value] of Object.entries(listed?.tags ?? {})) {
      expect(key).not.toMatch(OBEYED);
      expect(value).not.toMatch(OBEYED);
    }
  });
});
