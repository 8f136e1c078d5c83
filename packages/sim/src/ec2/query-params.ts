import { ec2Errors } from "./ec2-error";

/** Accessors over an ec2Query form body (`Name.N`, `Name.N.Sub` style lists). */
export class QueryParams {
  constructor(private readonly params: URLSearchParams) {}

  static parse(body: string): QueryParams {
    return new QueryParams(new URLSearchParams(body));
  }

  string(name: string): string | undefined {
    return this.params.get(name) ?? undefined;
  }

  required(name: string): string {
    const value = this.string(name);
    if (value === undefined || value === "") {
      throw ec2Errors.missingParameter(name);
    }
    return value;
  }

  integer(name: string): number | undefined {
    const raw = this.string(name);
    if (raw === undefined) {
      return undefined;
    }
    const value = Number(raw);
    if (!Number.isInteger(value)) {
      throw ec2Errors.invalidParameter(`Invalid value '${raw}' for ${name}`);
    }
    return value;
  }

  boolean(name: string): boolean | undefined {
    const raw = this.string(name);
    return raw === undefined ? undefined : raw === "true";
  }

  /** `Prefix.1`, `Prefix.2`, ... in index order. */
  list(prefix: string): string[] {
    return this.indices(prefix).flatMap((index) => {
      const value = this.string(`${prefix}.${index}`);
      return value === undefined ? [] : [value];
    });
  }

  /** The N of every `Prefix.N` or `Prefix.N.*` key, ascending. */
  indices(prefix: string): number[] {
    const found = new Set<number>();
    const head = `${prefix}.`;
    for (const key of this.params.keys()) {
      if (key.startsWith(head)) {
        const index = Number.parseInt(key.slice(head.length), 10);
        if (Number.isInteger(index)) {
          found.add(index);
        }
      }
    }
    return [...found].sort((a, b) => a - b);
  }

  /** Every key/value but the ones named, sorted: a stable fingerprint of the request. */
  fingerprint(exclude: readonly string[]): string {
    return [...this.params.entries()]
      .filter(([key]) => !exclude.includes(key))
      .map(([key, value]) => `${key}=${value}`)
      .sort()
      .join("&");
  }
}

export interface Filter {
  readonly name: string;
  readonly values: readonly string[];
}

export function readFilters(params: QueryParams): Filter[] {
  return params.indices("Filter").map((index) => ({
    name: params.required(`Filter.${index}.Name`),
    values: params.list(`Filter.${index}.Value`),
  }));
}

export function readTags(
  params: QueryParams,
  prefix: string,
): Array<{ key: string; value: string | undefined }> {
  return params.indices(prefix).map((index) => ({
    key: params.required(`${prefix}.${index}.Key`),
    value: params.string(`${prefix}.${index}.Value`),
  }));
}

/** EC2 filter values accept `*` and `?` wildcards. */
export function wildcardMatcher(pattern: string): (value: string) => boolean {
  if (!/[*?]/.test(pattern)) {
    return (value) => value === pattern;
  }
  const source = pattern
    .split("")
    .map((char) => (char === "*" ? ".*" : char === "?" ? "." : char.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
    .join("");
  const regex = new RegExp(`^${source}$`, "s");
  return (value) => regex.test(value);
}
