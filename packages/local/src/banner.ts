import { relative } from "node:path";

export interface BannerFacts {
  readonly graphqlUrl: string;
  readonly token: string;
  readonly tokenFile: string | null;
  readonly simUrl: string | null;
  readonly database: string;
  readonly redis: string;
  readonly logFile: string | null;
  readonly demoWorkers: readonly string[];
  readonly root: string;
}

/** What `pnpm start` prints once everything answers: where to go and how to get in. */
export function startBanner(facts: BannerFacts): string {
  const shown = (path: string) => relative(facts.root, path) || ".";
  const lines = [
    "",
    "cml-fleet is running",
    `  GraphQL      ${facts.graphqlUrl}`,
    `  GraphiQL     ${facts.graphqlUrl}  (open it in a browser; header Authorization: Bearer <token>)`,
    `  Admin token  ${facts.token}${facts.tokenFile === null ? "" : `  (kept in ${shown(facts.tokenFile)})`}`,
    `  Monitor      pnpm tui --token ${facts.token}`,
    facts.simUrl === null ? null : `  Simulator    ${facts.simUrl}  (control API under /_sim)`,
    `  Database     ${facts.database}`,
    `  Redis        ${facts.redis}`,
    facts.logFile === null
      ? null
      : `  Logs         ${shown(facts.logFile)}  (--verbose logs to the terminal)`,
    facts.demoWorkers.length === 0 ? null : `  Demo         created ${facts.demoWorkers.join(", ")}`,
    "Press Ctrl-C to stop.",
    "",
  ];
  return lines.filter((line) => line !== null).join("\n");
}
