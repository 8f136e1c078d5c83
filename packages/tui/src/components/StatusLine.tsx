import { Text } from "ink";
import type { ConnectionState } from "../data/fleet-types";
import { printable } from "../terminal-text";
import { theme } from "../theme";
import { confirmationQuestion } from "../ui-state/confirmations";
import type { Message, Overlay } from "../ui-state/ui-reducer";

export interface StatusLineProps {
  readonly overlay: Overlay;
  readonly message: Message | null;
  readonly connection: ConnectionState;
  readonly filter: string;
}

const PROMPT_LABEL = {
  filter: "/",
  command: ":",
  "keep-alive": "keep alive for (e.g. 30m, 2h, 0 clears): ",
} as const;

/** The one line for prompts, confirmations and messages; the frame never grows to show them. */
export function StatusLine({ overlay, message, connection, filter }: StatusLineProps) {
  if (overlay.kind === "prompt") {
    return (
      <Text wrap="truncate">
        <Text color={theme.accent}>{PROMPT_LABEL[overlay.purpose]}</Text>
        <Text>{printable(overlay.text)}</Text>
        <Text inverse> </Text>
      </Text>
    );
  }
  if (overlay.kind === "confirm") {
    return (
      <Text wrap="truncate" color={theme.danger} bold>
        {printable(confirmationQuestion(overlay))}
      </Text>
    );
  }
  if (overlay.kind === "columns" && !message) {
    return (
      <Text wrap="truncate" color={theme.muted}>
        {"j/k move  space toggle  esc close"}
      </Text>
    );
  }
  if (message) {
    return (
      <Text wrap="truncate" color={message.tone === "error" ? theme.danger : theme.ok}>
        {printable(message.text)}
      </Text>
    );
  }
  if (connection.kind === "reconnecting" && connection.reason) {
    return (
      <Text wrap="truncate" color={theme.danger}>
        {`API connection lost: ${printable(connection.reason)}`}
      </Text>
    );
  }
  return (
    <Text wrap="truncate" color={theme.muted}>
      {filter ? `filter: ${printable(filter)}` : " "}
    </Text>
  );
}
