/** A stream the server can end early, with a last word to the client. */
export interface EndableStream<T> {
  readonly stream: AsyncIterableIterator<T>;
  /**
   * Ends the stream: `last` is the value it yields next, and the last one;
   * whatever the source yields from now on is dropped. Later calls do nothing.
   */
  end(last: T): void;
}

/**
 * Wraps `source` so that it can be ended from outside. Unlike an async
 * generator, it ends (and calls `onFinish`, and returns the source) as soon
 * as the consumer returns it, even while waiting for the source's next value:
 * a client that goes away must not leave its stream counted until the next
 * event happens to arrive.
 */
export function endableStream<T>(source: AsyncIterable<T>, onFinish: () => void): EndableStream<T> {
  const iterator = source[Symbol.asyncIterator]();
  let last: { readonly value: T } | null = null;
  let finished = false;
  let wake: () => void = () => undefined;
  const ended = new Promise<null>((resolve) => {
    wake = () => resolve(null);
  });

  function finish(): void {
    if (finished) {
      return;
    }
    finished = true;
    wake();
    onFinish();
    // The source's listeners (a Redis subscription) go with it; its own failure to stop is no concern here.
    Promise.resolve(iterator.return?.()).catch(() => undefined);
  }

  const done = (): IteratorResult<T> => ({ done: true, value: undefined });

  const stream: AsyncIterableIterator<T> = {
    [Symbol.asyncIterator]() {
      return stream;
    },
    async next() {
      if (finished) {
        return done();
      }
      const step = last === null ? await Promise.race([iterator.next(), ended]) : null;
      if (last !== null) {
        const { value } = last;
        finish();
        return { done: false, value };
      }
      if (step === null || step.done === true) {
        finish();
        return done();
      }
      return step;
    },
    async return() {
      finish();
      return done();
    },
  };

  return {
    stream,
    end(value) {
      if (finished || last !== null) {
        return;
      }
      last = { value };
      wake();
    },
  };
}
