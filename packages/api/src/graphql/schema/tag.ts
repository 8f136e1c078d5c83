import { builder } from "../builder";

export interface TagEntry {
  readonly key: string;
  readonly value: string;
}

export const TagRef = builder.objectRef<TagEntry>("Tag").implement({
  fields: (t) => ({
    key: t.exposeString("key"),
    value: t.exposeString("value"),
  }),
});

export const TagInput = builder.inputType("TagInput", {
  fields: (t) => ({
    key: t.string({ required: true }),
    value: t.string({ required: true }),
  }),
});

/** Tags in a stable order (by key), so clients can diff them. */
export function tagEntries(tags: Readonly<Record<string, string>>): TagEntry[] {
  return Object.entries(tags)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => ({ key, value }));
}
