import { describe, expect, it } from "vitest";
import { systemActor } from "./actor";
import { type ImpairmentEpisode, nextImpairment, withStatusChecks } from "./status-checks";

const worker = { id: "w-1", name: "lab-a" };
const actor = systemActor("telemetry");
const now = new Date("2026-11-30T06:00:00Z");
const pair = (system: string, instance: string) => ({ system, instance });

/** Feeds looks one after the other, as sweeps do, and collects the events. */
function run(looks: readonly ({ system: string; instance: string } | null)[]) {
  let episode: ImpairmentEpisode | null = null;
  const types: string[] = [];
  for (const [index, look] of looks.entries()) {
    const next = nextImpairment(worker, episode, look, actor, new Date(now.getTime() + index * 60_000));
    episode = next.episode;
    types.push(...next.events.map((event) => event.type));
  }
  return { episode, types };
}

describe("impairment episodes", () => {
  it("open with one event, count consecutive impaired looks, and close with one event when both are ok", () => {
    const impaired = run([
      pair("ok", "ok"),
      pair("impaired", "ok"),
      pair("impaired", "impaired"),
      pair("ok", "impaired"),
    ]);
    expect(impaired.types).toEqual(["worker.status_check_impaired"]);
    expect(impaired.episode).toMatchObject({ since: "2026-11-30T06:01:00.000Z", impairedSweeps: 3 });

    const healed = run([pair("impaired", "ok"), pair("ok", "ok"), pair("ok", "ok")]);
    expect(healed.types).toEqual(["worker.status_check_impaired", "worker.status_check_recovered"]);
    expect(healed.episode).toBeNull();
  });

  it("stay open through a reboot's initializing (the count starts over) and an unknown look", () => {
    const rebooting = run([
      pair("impaired", "ok"),
      pair("impaired", "ok"),
      pair("initializing", "initializing"),
      null,
    ]);
    expect(rebooting.types).toEqual(["worker.status_check_impaired"]);
    expect(rebooting.episode).toMatchObject({ since: "2026-11-30T06:00:00.000Z", impairedSweeps: 0 });
  });

  it("close when the instance stops (the checks no longer apply)", () => {
    expect(run([pair("impaired", "ok"), pair("not-applicable", "not-applicable")]).types).toEqual([
      "worker.status_check_impaired",
      "worker.status_check_recovered",
    ]);
  });

  it("name the impaired check in the event's reason", () => {
    const [event] = nextImpairment(worker, null, pair("ok", "impaired"), actor, now).events;
    expect(event).toMatchObject({
      reason: "EC2 instance status check impaired",
      message: "lab-a: EC2 instance status check impaired",
      data: { system: "ok", instance: "impaired" },
    });
  });
});

describe("the service status of an impaired instance", () => {
  it("is ERROR naming the check, ahead of CML's own reason", () => {
    expect(withStatusChecks({ status: "AVAILABLE", reason: null }, pair("impaired", "impaired"))).toEqual({
      status: "ERROR",
      reason: "EC2 system and instance status check impaired",
    });
    expect(
      withStatusChecks({ status: "UNAVAILABLE", reason: "connect ECONNREFUSED" }, pair("impaired", "ok")),
    ).toEqual({
      status: "ERROR",
      reason: "EC2 system status check impaired; connect ECONNREFUSED",
    });
  });

  it("is CML's verdict when no check is impaired or they are unknown", () => {
    const verdict = { status: "STARTING" as const, reason: null };
    expect(withStatusChecks(verdict, pair("initializing", "initializing"))).toBe(verdict);
    expect(withStatusChecks(verdict, null)).toBe(verdict);
  });
});
