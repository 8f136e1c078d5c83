import { type FaultErrors, raiseInjectedFault } from "../faults";
import type { HttpRequest, HttpResponse } from "../http/http-types";
import { newRequestId } from "../state/instance";
import type { SimState } from "../state/sim-state";
import { priceListDocument, SIM_PRICE_PRODUCTS, type SimPriceProduct } from "./price-catalog";

const TARGET_PREFIX = "AWSPriceListService.";
const JSON_CONTENT_TYPE = "application/x-amz-json-1.1";
/** The Price List API answers at most 100 products a page. */
const MAX_RESULTS = 100;

/** A Price List API error in the JSON 1.1 shape: the SDK names the exception after `__type`. */
class PricingError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
  }
}

const pricingFaultErrors: FaultErrors = {
  deny: (action) =>
    new PricingError("AccessDeniedException", `User is not authorized to perform: pricing:${action}`),
  throttle: () => new PricingError("ThrottlingException", "Rate exceeded"),
  fail: () => new PricingError("InternalErrorException", "An internal error occurred", 500),
};

export function isPricingRequest(request: HttpRequest): boolean {
  const target = request.headers["x-amz-target"];
  return typeof target === "string" && target.startsWith(TARGET_PREFIX);
}

/**
 * The AWS Price List Query API (`@aws-sdk/client-pricing`, JSON 1.1): only
 * `GetProducts` for the AmazonEC2 service code, with TERM_MATCH / EQUALS
 * filters on the product's attributes, paged like AWS. Faults set through
 * `PUT /_sim/faults` (e.g. `denyActions: ["GetProducts"]`) apply here too.
 */
export function handlePricing(request: HttpRequest, state: SimState): HttpResponse {
  const requestId = newRequestId();
  const target = request.headers["x-amz-target"];
  const action = typeof target === "string" ? target.slice(TARGET_PREFIX.length) : "";
  state.stats.count("pricing", action);
  try {
    raiseInjectedFault(state.faults, action, pricingFaultErrors);
    if (action !== "GetProducts") {
      throw new PricingError(
        "InvalidParameterException",
        `The action ${action} is not supported by the simulator.`,
      );
    }
    return {
      status: 200,
      headers: { "content-type": JSON_CONTENT_TYPE, "x-amzn-requestid": requestId },
      body: JSON.stringify(getProducts(parseBody(request.body))),
    };
  } catch (error) {
    if (error instanceof PricingError) {
      return {
        status: error.httpStatus,
        headers: { "content-type": JSON_CONTENT_TYPE, "x-amzn-requestid": requestId },
        body: JSON.stringify({ __type: error.type, Message: error.message }),
      };
    }
    throw error;
  }
}

interface GetProductsInput {
  readonly ServiceCode?: unknown;
  readonly Filters?: unknown;
  readonly MaxResults?: unknown;
  readonly NextToken?: unknown;
}

function parseBody(body: string): GetProductsInput {
  try {
    const parsed: unknown = body === "" ? {} : JSON.parse(body);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new PricingError("InvalidParameterException", "The request body is not a JSON object.");
    }
    return parsed;
  } catch (error) {
    if (error instanceof PricingError) {
      throw error;
    }
    throw new PricingError("SerializationException", "The request body is not valid JSON.");
  }
}

type ProductPredicate = (product: SimPriceProduct) => boolean;

function readFilters(filters: unknown): ProductPredicate[] {
  if (filters === undefined) {
    return [];
  }
  if (!Array.isArray(filters)) {
    throw new PricingError("InvalidParameterException", "Filters must be a list.");
  }
  return filters.map((filter: unknown) => {
    if (typeof filter !== "object" || filter === null) {
      throw new PricingError("InvalidParameterException", "Each filter must be an object.");
    }
    const { Type, Field, Value } = filter as Record<string, unknown>;
    if (
      (Type !== "TERM_MATCH" && Type !== "EQUALS") ||
      typeof Field !== "string" ||
      typeof Value !== "string"
    ) {
      throw new PricingError(
        "InvalidParameterException",
        "Each filter needs Type TERM_MATCH or EQUALS, a Field and a Value.",
      );
    }
    // AWS matches attribute names and values without regard to case.
    const wanted = Value.toLowerCase();
    const field = Field.toLowerCase();
    return (product: SimPriceProduct) => {
      const value =
        field === "productfamily"
          ? product.productFamily
          : Object.entries(product.attributes).find(([name]) => name.toLowerCase() === field)?.[1];
      return value !== undefined && value.toLowerCase() === wanted;
    };
  });
}

function getProducts(input: GetProductsInput): {
  FormatVersion: string;
  PriceList: string[];
  NextToken?: string;
} {
  if (input.ServiceCode !== "AmazonEC2") {
    throw new PricingError(
      "NotFoundException",
      `The simulator prices only AmazonEC2, not ${String(input.ServiceCode)}.`,
    );
  }
  const predicates = readFilters(input.Filters);
  const matching = SIM_PRICE_PRODUCTS.filter((product) => predicates.every((matches) => matches(product)));
  const pageSize =
    typeof input.MaxResults === "number" && input.MaxResults > 0
      ? Math.min(input.MaxResults, MAX_RESULTS)
      : MAX_RESULTS;
  const offset = typeof input.NextToken === "string" ? Number.parseInt(input.NextToken, 10) : 0;
  if (!Number.isInteger(offset) || offset < 0) {
    throw new PricingError("InvalidNextTokenException", "The NextToken is not valid.");
  }
  const page = matching.slice(offset, offset + pageSize);
  const next = offset + pageSize;
  return {
    FormatVersion: "aws_v1",
    PriceList: page.map(priceListDocument),
    ...(next < matching.length ? { NextToken: String(next) } : {}),
  };
}
