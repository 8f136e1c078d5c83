import { Text } from "ink";
import { Fragment } from "react";
import { theme } from "../theme";
import type { Binding } from "../ui-state/bindings";

export interface FooterProps {
  readonly bindings: readonly Binding[];
}

/** The key line; actions the token may not do are struck through and dimmed. */
export function Footer({ bindings }: FooterProps) {
  return (
    <Text wrap="truncate">
      {bindings.map((binding, index) => {
        const unavailable = binding.availability.kind === "unavailable";
        return (
          <Fragment key={binding.keys}>
            {index > 0 ? "  " : ""}
            <Text color={unavailable ? theme.muted : theme.key} bold={!unavailable}>
              {binding.keys}
            </Text>
            <Text color={unavailable ? theme.muted : undefined} strikethrough={unavailable}>
              {` ${binding.label}`}
            </Text>
          </Fragment>
        );
      })}
    </Text>
  );
}
