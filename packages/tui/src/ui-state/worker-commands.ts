/** What the `:` commands for worker actions read from what a person typed. */

/** As long as the API takes a snapshot description (EC2 allows 255 characters). */
export const SNAPSHOT_DESCRIPTION_MAX = 255;

export type SnapshotDescription =
  | { readonly kind: "ok"; readonly text: string | null }
  | { readonly kind: "refused"; readonly message: string };

/** `:snapshot before the exam` → "before the exam"; nothing → no description. */
export function parseSnapshotDescription(args: string): SnapshotDescription {
  const text = args.trim();
  if (text === "") {
    return { kind: "ok", text: null };
  }
  // The prompt takes no control characters; a paste could still bring one.
  if (/\p{Cc}/u.test(text)) {
    return { kind: "refused", message: "A snapshot description is plain text, without control characters" };
  }
  if ([...text].length > SNAPSHOT_DESCRIPTION_MAX) {
    return {
      kind: "refused",
      message: `A snapshot description is at most ${SNAPSHOT_DESCRIPTION_MAX} characters`,
    };
  }
  return { kind: "ok", text };
}

/** The schedule named (case-insensitive) or with that id; undefined when none is. */
export function findSchedule<S extends { readonly id: string; readonly name: string }>(
  schedules: readonly S[],
  given: string,
): S | undefined {
  const lower = given.toLowerCase();
  return (
    schedules.find((schedule) => schedule.id === given) ??
    schedules.find((s) => s.name.toLowerCase() === lower)
  );
}
