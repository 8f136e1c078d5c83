/**
 * On-demand Linux prices in USD per hour (us-east-1, as published by AWS in
 * 2025) for the instance types CML is usually run on. They only seed the
 * price table: operators override them per type and per region in settings.
 */
export const DEFAULT_HOURLY_PRICES_USD: Readonly<Record<string, number>> = {
  "t3.xlarge": 0.1664,
  "t3.2xlarge": 0.3328,
  "m5.2xlarge": 0.384,
  "m5.4xlarge": 0.768,
  "c5.2xlarge": 0.34,
  "c5.4xlarge": 0.68,
  "c5.9xlarge": 1.53,
  "c5.metal": 4.08,
  "c5n.metal": 3.888,
  "m5.metal": 4.608,
  "m5zn.metal": 3.9641,
  "r5.metal": 6.048,
};

/** The volume type the fleet's CML AMIs are registered with (the launch keeps the AMI's mapping). */
export const DEFAULT_VOLUME_TYPE = "gp3";

/**
 * EBS USD per GB-month by volume type (us-east-1, 2025): the fallback when
 * the Price List API has not answered for a region.
 */
export const DEFAULT_EBS_GB_MONTH_PRICES_USD: Readonly<Record<string, number>> = {
  gp3: 0.08,
  gp2: 0.1,
  io1: 0.125,
  io2: 0.125,
  st1: 0.045,
  sc1: 0.015,
  standard: 0.05,
};
