import { isWellFormedInstanceId, type SimInstance } from "../state/instance";
import type { SimState } from "../state/sim-state";
import { ec2Errors } from "./ec2-error";
import type { QueryParams } from "./query-params";

/** Resolves explicit ids of one region, failing like EC2 on malformed or unknown ids. */
export function lookupInstances(state: SimState, region: string, ids: readonly string[]): SimInstance[] {
  for (const id of ids) {
    if (!isWellFormedInstanceId(id)) {
      throw ec2Errors.malformed(id);
    }
  }
  const found: SimInstance[] = [];
  const missing: string[] = [];
  for (const id of new Set(ids)) {
    const instance = state.store.get(id);
    if (instance && instance.region === region) {
      found.push(instance);
    } else {
      missing.push(id);
    }
  }
  if (missing.length > 0) {
    throw ec2Errors.notFound(missing);
  }
  return found;
}

export function requiredInstanceIds(params: QueryParams): string[] {
  const ids = params.list("InstanceId");
  if (ids.length === 0) {
    throw ec2Errors.missingParameter("InstanceId");
  }
  return ids;
}

/**
 * `MaxResults` as EC2 validates it for the paged describe calls; `idSet` names
 * the explicit ids it may not be combined with, as EC2's message does.
 */
export function readMaxResults(
  params: QueryParams,
  hasIds: boolean,
  idSet: "instancesSet" | "snapshotSet" = "instancesSet",
): number | undefined {
  const maxResults = params.integer("MaxResults");
  if (maxResults === undefined) {
    return undefined;
  }
  if (hasIds) {
    throw ec2Errors.combination(`The parameter ${idSet} cannot be used with the parameter maxResults`);
  }
  if (maxResults < 5 || maxResults > 1000) {
    throw ec2Errors.invalidParameter(
      `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between 5 and 1000.`,
    );
  }
  return maxResults;
}

/** NextToken is opaque to clients; here it carries the launch sequence number to resume after. */
export function encodeNextToken(afterSeq: number): string {
  return Buffer.from(JSON.stringify({ after: afterSeq })).toString("base64url");
}

export function decodeNextToken(token: string | undefined): number {
  if (token === undefined || token === "") {
    return -1;
  }
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (
      typeof parsed === "object" &&
      parsed !== null &&
      "after" in parsed &&
      Number.isInteger(parsed.after)
    ) {
      return Number(parsed.after);
    }
  } catch {
    // fall through: EC2 rejects tokens it did not issue
  }
  throw ec2Errors.invalidParameter(`Invalid NextToken: ${token}`);
}

/** Pages `candidates` (in launch order) after `afterSeq`, returning the page and the token for the next one. */
export function takePage<T extends { readonly seq: number }>(
  candidates: Iterable<T>,
  matches: (candidate: T) => boolean,
  maxResults: number | undefined,
): { page: T[]; nextToken: string | undefined } {
  const limit = maxResults ?? Number.POSITIVE_INFINITY;
  const page: T[] = [];
  for (const candidate of candidates) {
    if (!matches(candidate)) {
      continue;
    }
    if (page.length === limit) {
      const last = page[page.length - 1];
      return { page, nextToken: last ? encodeNextToken(last.seq) : undefined };
    }
    page.push(candidate);
  }
  return { page, nextToken: undefined };
}
