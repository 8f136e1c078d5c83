import { mkdir, open, readFile, rename } from "node:fs/promises";
import { dirname } from "node:path";
import type { SimSnapshot } from "./snapshot";
import { parseSnapshot } from "./snapshot-parse";

/**
 * Reads the snapshot at `path`: null when there is none yet, and also null,
 * after one warning, when it cannot be used. An unusable file is moved aside
 * (`<path>.unreadable`) so that the next save does not destroy the evidence.
 */
export async function loadSnapshot(
  path: string,
  warn: (message: string) => void,
): Promise<SimSnapshot | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (isNotFound(error)) {
      return null;
    }
    warn(`cannot read the simulator state ${path} (${describe(error)}); starting with no instances`);
    return null;
  }
  try {
    return parseSnapshot(JSON.parse(text));
  } catch (error) {
    const aside = `${path}.unreadable`;
    const moved = await rename(path, aside).then(
      () => true,
      () => false,
    );
    warn(
      `the simulator state ${path} is not usable (${describe(error)}); starting with no instances` +
        (moved ? ` (the file is kept as ${aside})` : ""),
    );
    return null;
  }
}

/** Writes the snapshot atomically: a crash mid-write leaves the previous file whole. */
export async function saveSnapshot(path: string, snapshot: SimSnapshot): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  const file = await open(temporary, "w", 0o600);
  try {
    await file.writeFile(`${JSON.stringify(snapshot)}\n`, "utf8");
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
}

function isNotFound(error: unknown): boolean {
  return typeof error === "object" && error !== null && "code" in error && error.code === "ENOENT";
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
