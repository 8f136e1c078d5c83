import { PricingClient } from "@aws-sdk/client-pricing";
import { type Clock, systemClock } from "../../../ports/clock.port";
import type { PriceList, VolumeInventory } from "../../../ports/price-list.port";
import { createAwsClientCache } from "../aws-client-cache";
import {
  type AwsAccountAccess,
  CREDENTIAL_REFRESH_MARGIN_MS,
  DEFAULT_CONNECTION_TIMEOUT_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type StaticAwsCredentials,
} from "../aws-cloud-options";
import { sdkClientConfig } from "../aws-sdk-config";
import { createAwsPriceList, type PricingApiRegion } from "./aws-price-list";
import { createAwsVolumeInventory } from "./aws-volume-inventory";

export interface AwsPricingOptions {
  /** Where the Price List Query API is called (it only runs in a few regions). */
  readonly pricingRegion: PricingApiRegion;
  readonly accounts: Readonly<Record<string, AwsAccountAccess>>;
  readonly staticCredentials?: StaticAwsCredentials | undefined;
  /** Endpoint URLs (the simulator); unset means AWS's own. */
  readonly endpoints?:
    | { readonly pricing?: string; readonly ec2?: string; readonly sts?: string }
    | undefined;
}

export interface AwsPricing {
  readonly priceList: PriceList;
  readonly volumes: VolumeInventory;
  close(): void;
}

/**
 * The pricing side of AWS, with its own clients: the Price List client is
 * called from the default account's credentials (prices are public and the
 * same for every account), the volumes from each worker's own account.
 */
export function createAwsPricing(
  options: AwsPricingOptions,
  deps: { readonly clock?: Clock } = {},
): AwsPricing {
  const policy = {
    maxAttempts: DEFAULT_MAX_ATTEMPTS,
    requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
    connectionTimeoutMs: DEFAULT_CONNECTION_TIMEOUT_MS,
  };
  const pricing = new PricingClient({
    ...sdkClientConfig(options.pricingRegion, options.endpoints?.pricing, policy),
    ...(options.staticCredentials === undefined ? {} : { credentials: options.staticCredentials }),
  });
  const ec2Clients = createAwsClientCache({
    ...policy,
    accounts: options.accounts,
    staticCredentials: options.staticCredentials,
    endpoints: { ec2: options.endpoints?.ec2, sts: options.endpoints?.sts },
    credentialRefreshMarginMs: CREDENTIAL_REFRESH_MARGIN_MS,
    clock: deps.clock ?? systemClock,
  });
  return {
    priceList: createAwsPriceList(pricing),
    volumes: createAwsVolumeInventory(ec2Clients),
    close() {
      pricing.destroy();
      ec2Clients.destroy();
    },
  };
}
