/** Splits `items` into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  }
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}

/** Calls `fetchPage` with each NextToken until a page comes back without one. */
export async function collectPages<P extends { NextToken?: string | undefined }>(
  fetchPage: (nextToken: string | undefined) => Promise<P>,
  onPage: (page: P) => boolean | undefined,
): Promise<void> {
  let nextToken: string | undefined;
  do {
    const page = await fetchPage(nextToken);
    const stop = onPage(page);
    nextToken = page.NextToken === "" ? undefined : page.NextToken;
    if (stop === true) {
      return;
    }
  } while (nextToken !== undefined);
}
