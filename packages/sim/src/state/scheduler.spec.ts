import { afterEach, describe, expect, it, vi } from "vitest";
import { Scheduler } from "./scheduler";

describe("Scheduler", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("runs tasks in due order with a single timer, skipping cancelled ones", () => {
    vi.useFakeTimers();
    const scheduler = new Scheduler(() => Date.now());
    const ran: string[] = [];
    scheduler.after(300, () => ran.push("c"));
    scheduler.after(100, () => ran.push("a"));
    const cancelled = scheduler.after(200, () => ran.push("x"));
    scheduler.after(100, () => ran.push("b"));
    cancelled.cancel();
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(150);
    expect(ran).toEqual(["a", "b"]);
    vi.advanceTimersByTime(200);
    expect(ran).toEqual(["a", "b", "c"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("re-arms for a task scheduled earlier than the armed one, and runs tasks scheduled while firing", () => {
    vi.useFakeTimers();
    const scheduler = new Scheduler(() => Date.now());
    const ran: string[] = [];
    scheduler.after(1000, () => ran.push("late"));
    scheduler.after(10, () => {
      ran.push("early");
      scheduler.after(0, () => ran.push("chained"));
    });
    vi.advanceTimersByTime(20);
    expect(ran).toEqual(["early", "chained"]);
    vi.advanceTimersByTime(1000);
    expect(ran).toEqual(["early", "chained", "late"]);
  });

  it("keeps order over many random tasks", () => {
    vi.useFakeTimers();
    const scheduler = new Scheduler(() => Date.now());
    const ran: number[] = [];
    const delays = Array.from({ length: 500 }, (_, index) => (index * 7919) % 1000);
    for (const delay of delays) {
      scheduler.after(delay, () => ran.push(delay));
    }
    vi.advanceTimersByTime(1000);
    expect(ran).toEqual([...delays].sort((a, b) => a - b));
  });

  it("leaves no timer behind after close", () => {
    vi.useFakeTimers();
    const scheduler = new Scheduler(() => Date.now());
    const run = vi.fn();
    scheduler.after(50, run);
    scheduler.close();
    scheduler.after(10, run);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(100);
    expect(run).not.toHaveBeenCalled();
  });
});
