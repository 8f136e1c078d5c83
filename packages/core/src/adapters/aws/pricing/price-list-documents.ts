/**
 * Reading the Price List API's product documents. Each `PriceList` entry is a
 * JSON document sent as a string: `{ product: { attributes }, terms: {
 * OnDemand: { <term>: { priceDimensions: { <rate>: { unit, pricePerUnit: {
 * USD } } } } } }`. Anything of another shape is skipped, never trusted.
 */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The on-demand USD prices in one document, with their units (e.g. "Hrs", "GB-Mo"). */
export function onDemandPrices(document: string): { unit: string; usd: number }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(document);
  } catch {
    return [];
  }
  const onDemand = isRecord(parsed) && isRecord(parsed.terms) ? parsed.terms.OnDemand : undefined;
  if (!isRecord(onDemand)) {
    return [];
  }
  const prices: { unit: string; usd: number }[] = [];
  for (const term of Object.values(onDemand)) {
    const dimensions = isRecord(term) ? term.priceDimensions : undefined;
    if (!isRecord(dimensions)) {
      continue;
    }
    for (const dimension of Object.values(dimensions)) {
      if (!isRecord(dimension) || !isRecord(dimension.pricePerUnit)) {
        continue;
      }
      const usd = Number(dimension.pricePerUnit.USD);
      if (typeof dimension.unit === "string" && Number.isFinite(usd) && usd > 0) {
        prices.push({ unit: dimension.unit, usd });
      }
    }
  }
  return prices;
}

/**
 * The one price in `unit` the documents agree on. Several products matching
 * the filters with different prices means the filters were not specific
 * enough: the lowest is taken (a budget figure errs low only here, and the
 * static table is no better), documented rather than guessed silently.
 */
export function priceIn(documents: readonly string[], unit: string): number | null {
  const prices = documents.flatMap(onDemandPrices).filter((price) => price.unit === unit);
  return prices.length === 0 ? null : Math.min(...prices.map((price) => price.usd));
}
