import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const ROOT = fileURLToPath(new URL("../../../..", import.meta.url));

/** PromQL's aggregation operators, keywords and set operators: words of an expression that name no series. */
const KEYWORDS = new Set([
  "sum",
  "min",
  "max",
  "avg",
  "count",
  "stddev",
  "stdvar",
  "topk",
  "bottomk",
  "quantile",
  "count_values",
  "group",
  "limitk",
  "limit_ratio",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "bool",
  "and",
  "or",
  "unless",
  "offset",
  "inf",
  "nan",
]);

/**
 * The metric names a PromQL expression reads. Strings, label matchers,
 * ranges and label lists are removed first; what is left that is no
 * function call (a word before "("), keyword or number is a metric name.
 */
export function metricNamesIn(expression: string): string[] {
  const text = expression
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, " ")
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, " ");
  const names = new Set<string>();
  for (const match of text.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const word = match[0];
    const before = text[match.index - 1] ?? " ";
    const after = text.slice(match.index + word.length).trimStart();
    // A number's exponent or a duration unit (1e3, 5m), a Grafana variable ($__interval), a function call.
    if (/[0-9.$]/.test(before) || after.startsWith("(") || KEYWORDS.has(word.toLowerCase())) {
      continue;
    }
    names.add(word);
  }
  return [...names];
}

interface DashboardPanel {
  readonly title?: string;
  readonly targets?: readonly { readonly expr?: string }[];
  readonly panels?: readonly DashboardPanel[];
}

/** Every PromQL expression of a Grafana dashboard (panels, panels in rows, query variables), by where it is. */
export function dashboardExpressions(path: string): Map<string, string> {
  const dashboard = JSON.parse(readFileSync(`${ROOT}${path}`, "utf8")) as {
    panels?: readonly DashboardPanel[];
    templating?: { list?: readonly { name: string; query?: string | { query?: string } }[] };
  };
  const found = new Map<string, string>();
  const visit = (panels: readonly DashboardPanel[]) => {
    for (const panel of panels) {
      (panel.targets ?? []).forEach((target, index) => {
        if (target.expr !== undefined) {
          found.set(`${path}: panel "${panel.title ?? "?"}" target ${index}`, target.expr);
        }
      });
      visit(panel.panels ?? []);
    }
  };
  visit(dashboard.panels ?? []);
  for (const variable of dashboard.templating?.list ?? []) {
    const query = typeof variable.query === "string" ? variable.query : variable.query?.query;
    if (query !== undefined && query !== "") {
      found.set(`${path}: variable ${variable.name}`, query);
    }
  }
  return found;
}

/** Every expression of a Prometheus rules file, by rule name. */
export function ruleExpressions(path: string): Map<string, string> {
  const rules = parse(readFileSync(`${ROOT}${path}`, "utf8")) as {
    groups: readonly { rules: readonly { alert?: string; record?: string; expr: string }[] }[];
  };
  return new Map(
    rules.groups.flatMap((group) =>
      group.rules.map((rule) => [`${path}: ${rule.alert ?? rule.record ?? "?"}`, String(rule.expr)] as const),
    ),
  );
}

/** What a /metrics text exposes: the names it declares (# TYPE) and those with at least one sample. */
export interface Exposition {
  readonly declared: ReadonlySet<string>;
  readonly sampled: ReadonlySet<string>;
}

export function exposition(...texts: readonly string[]): Exposition {
  const declared = new Set<string>();
  const sampled = new Set<string>();
  for (const line of texts.join("\n").split("\n")) {
    const type = /^# TYPE (\S+) /.exec(line);
    if (type?.[1] !== undefined) {
      declared.add(type[1]);
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{| )/.exec(line);
    if (sample?.[1] !== undefined) {
      sampled.add(sample[1]);
    }
  }
  return { declared, sampled };
}

const HISTOGRAM_PARTS = /_(?:bucket|sum|count)$/;

/** Whether `name` is in `names`, a histogram's or summary's part counting when its base name is there. */
function among(names: ReadonlySet<string>, name: string): boolean {
  return names.has(name) || (HISTOGRAM_PARTS.test(name) && names.has(name.replace(HISTOGRAM_PARTS, "")));
}

/** The names of `expressions` that `exposed` does not declare, each with where it is referenced. */
export function undeclaredSeries(
  expressions: ReadonlyMap<string, string>,
  exposed: Exposition,
  madeByPrometheus: ReadonlySet<string>,
): string[] {
  return [...expressions].flatMap(([where, expression]) =>
    metricNamesIn(expression)
      .filter((name) => !madeByPrometheus.has(name) && !among(exposed.declared, name))
      .map((name) => `${name} (${where})`),
  );
}

/** The names of `expressions` that are declared but have no sample yet. */
export function unsampledSeries(
  expressions: ReadonlyMap<string, string>,
  exposed: Exposition,
  madeByPrometheus: ReadonlySet<string>,
): string[] {
  const names = new Set([...expressions.values()].flatMap(metricNamesIn));
  return [...names].filter((name) => !madeByPrometheus.has(name) && !among(exposed.sampled, name));
}
