import { EventEmitter } from "node:events";
import { Writable } from "node:stream";

const CLEAR_TERMINAL = "\u001B[2J";

/** A TTY-like stdout of a fixed size that keeps only counters (bytes written, full-screen clears). */
export class FakeTerminalOut extends Writable {
  readonly isTTY = true;
  bytes = 0;
  clears = 0;
  /** The most recent output, for reading the screen after a run. */
  tail = "";

  constructor(
    readonly columns: number,
    readonly rows: number,
  ) {
    super();
  }

  override _write(
    chunk: Buffer | string,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ) {
    const text = typeof chunk === "string" ? chunk : chunk.toString("utf8");
    this.bytes += Buffer.byteLength(text);
    this.tail = (this.tail + text).slice(-20_000);
    if (text.includes(CLEAR_TERMINAL)) {
      this.clears++;
    }
    callback();
  }
}

/** A TTY-like stdin that never sends a key (Ink only needs raw mode and the stream methods). */
export class FakeTerminalIn extends EventEmitter {
  readonly isTTY = true;
  setRawMode() {
    return this;
  }
  setEncoding() {
    return this;
  }
  resume() {
    return this;
  }
  pause() {
    return this;
  }
  ref() {
    return this;
  }
  unref() {
    return this;
  }
  read() {
    return null;
  }
}
