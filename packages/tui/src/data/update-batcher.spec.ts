import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createUpdateBatcher } from "./update-batcher";

describe("createUpdateBatcher", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("delivers everything pushed within an interval as one batch", () => {
    const batches: number[][] = [];
    const batcher = createUpdateBatcher<number>((items) => batches.push(items), 100);
    for (let i = 0; i < 1000; i += 1) {
      batcher.push(i);
    }
    expect(batches).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(1000);
    batcher.push(1);
    vi.advanceTimersByTime(100);
    expect(batches).toHaveLength(2);
  });

  it("delivers nothing after dispose", () => {
    const deliver = vi.fn();
    const batcher = createUpdateBatcher<number>(deliver, 100);
    batcher.push(1);
    batcher.dispose();
    vi.advanceTimersByTime(1000);
    expect(deliver).not.toHaveBeenCalled();
  });
});
