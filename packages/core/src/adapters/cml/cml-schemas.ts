import { z } from "zod";

/** Only the fields the fleet reads; CML adds fields between versions and zod drops the rest. */

export const authExtendedSchema = z.object({
  username: z.string(),
  id: z.union([z.string(), z.number()]).transform(String),
  token: z.string().min(1),
});

export const systemInformationSchema = z.object({
  version: z.string(),
  ready: z.boolean(),
});

export const systemHealthSchema = z.object({
  // CML's own models allow null for these; null is read as "not valid" / "not licensed", never as a parse error.
  valid: z.boolean().nullable(),
  is_licensed: z.boolean().nullable(),
  computes: z.record(z.string(), z.object({ valid: z.boolean().nullable() })).default({}),
});

const nullableNumber = z.number().nullable().optional();

export const systemStatsSchema = z.object({
  all: z.object({
    cpu: z.object({ percent: nullableNumber }).optional(),
    memory: z.object({ total: nullableNumber, used: nullableNumber }).optional(),
  }),
  computes: z
    .record(
      z.string(),
      z.object({
        stats: z.object({
          dominfo: z.object({
            running_nodes: z.number().int().nonnegative(),
            total_nodes: z.number().int().nonnegative().optional(),
          }),
        }),
      }),
    )
    .default({}),
});

/** `expires` is a timestamp on some versions and a `{scheduled, succeeded, ...}` record on others. */
const expirySchema = z
  .union([z.string(), z.record(z.string(), z.unknown()), z.null()])
  .optional()
  .transform((value) => value ?? null);

export const licensingSchema = z.object({
  registration: z.object({
    status: z.string(),
    expires: expirySchema,
    register_time: z
      .object({
        status: z.string().nullable().optional(),
        failure: z.unknown().optional(),
      })
      .nullable()
      .optional(),
  }),
  authorization: z.object({
    status: z.string(),
    expires: expirySchema,
  }),
  features: z
    .array(
      z.object({
        in_use: z.number().nullable().optional(),
        max: z.number().nullable().optional(),
      }),
    )
    .default([]),
});
export type LicensingAnswer = z.infer<typeof licensingSchema>;

export const labIdsSchema = z.array(z.string());

export const labSchema = z.object({
  id: z.string(),
  lab_title: z.string().nullable().optional(),
  state: z.string(),
});

export const telemetryEventsSchema = z.array(
  z.object({
    category: z.string(),
    timestamp: z.string(),
    data: z
      .object({ user_id: z.union([z.string(), z.number()]).nullable().optional() })
      .nullable()
      .optional(),
  }),
);
