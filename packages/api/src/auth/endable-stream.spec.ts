import { describe, expect, it } from "vitest";
import { endableStream } from "./endable-stream";

/** A source that yields what the test pushes, and tells whether it was returned (its listeners released). */
function pushedSource() {
  const queue: number[] = [];
  let wake: (() => void) | null = null;
  let returned = false;
  async function* generate(): AsyncGenerator<number> {
    try {
      while (true) {
        const value = queue.shift();
        if (value !== undefined) {
          yield value;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      returned = true;
    }
  }
  return {
    source: generate(),
    push(value: number) {
      queue.push(value);
      wake?.();
    },
    returned: () => returned,
  };
}

describe("endableStream", () => {
  it("passes the source's values until it is ended, then yields the last word and nothing more", async () => {
    const source = pushedSource();
    let finished = 0;
    const { stream, end } = endableStream(source.source, () => {
      finished += 1;
    });
    source.push(1);
    expect(await stream.next()).toEqual({ done: false, value: 1 });
    end(-1);
    source.push(2);
    expect(await stream.next()).toEqual({ done: false, value: -1 });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(finished).toBe(1);
  });

  it("ends a consumer that is waiting for the next value, dropping what the source yields after", async () => {
    const source = pushedSource();
    const { stream, end } = endableStream(source.source, () => undefined);
    const waiting = stream.next();
    end(-1);
    source.push(2);
    expect(await waiting).toEqual({ done: false, value: -1 });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
  });

  it("finishes at once when the consumer returns it while waiting, and returns the source", async () => {
    const source = pushedSource();
    let finished = 0;
    const { stream } = endableStream(source.source, () => {
      finished += 1;
    });
    const waiting = stream.next();
    expect(await stream.return?.()).toEqual({ done: true, value: undefined });
    expect(finished).toBe(1);
    expect(await waiting).toEqual({ done: true, value: undefined });
    // The source was waiting too: it is released once it wakes.
    source.push(3);
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.returned()).toBe(true);
  });

  it("finishes when the source ends by itself", async () => {
    async function* two(): AsyncGenerator<number> {
      yield 1;
      yield 2;
    }
    let finished = 0;
    const { stream, end } = endableStream(two(), () => {
      finished += 1;
    });
    expect(await stream.next()).toEqual({ done: false, value: 1 });
    expect(await stream.next()).toEqual({ done: false, value: 2 });
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    end(-1);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(finished).toBe(1);
  });
});
