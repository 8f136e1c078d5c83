const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/**
 * Operation names come from the client, so they cannot become label values
 * unchecked: a caller inventing names would grow the metric series without
 * bound. The first `limit` distinct well-formed names are kept; anything
 * else reports as `other`, and an unnamed operation as `anonymous`.
 */
export function createOperationNameLabel(limit: number): (name: string | undefined) => string {
  const seen = new Set<string>();
  return (name) => {
    if (name === undefined || name === "") {
      return "anonymous";
    }
    if (seen.has(name)) {
      return name;
    }
    if (!NAME.test(name) || seen.size >= limit) {
      return "other";
    }
    seen.add(name);
    return name;
  };
}
