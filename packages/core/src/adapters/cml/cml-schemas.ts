import { z } from "zod";
import { cleanOutsideText, OUTSIDE_TEXT_LIMITS, type OutsideTextKind } from "../../domain/outside-text";

/** Only the fields the fleet reads; CML adds fields between versions and zod drops the rest. */

/**
 * A string the fleet keeps or shows. Lab users write titles, and whoever answers on a worker's address
 * writes all of it: cleaned and bounded as it is parsed, so nothing past this module sees it raw.
 */
const outsideText = (kind: OutsideTextKind) =>
  z.string().transform((text) => cleanOutsideText(text, OUTSIDE_TEXT_LIMITS[kind]));

export const authExtendedSchema = z.object({
  username: z.string(),
  // Compared with the user ids of telemetry events, which are cleaned: cleaned the same way.
  id: z.union([outsideText("name"), z.number()]).transform(String),
  token: z.string().min(1),
});

export const systemInformationSchema = z.object({
  version: outsideText("status"),
  ready: z.boolean(),
});

export const systemHealthSchema = z.object({
  // CML's own models allow null for these; null is read as "not valid" / "not licensed", never as a parse error.
  valid: z.boolean().nullable(),
  is_licensed: z.boolean().nullable(),
  computes: z
    .record(
      z.string(),
      z
        .object({
          valid: z.boolean().nullable(),
          // Names the compute in a health reason; optional and never a parse error (a bad one names it by id).
          hostname: outsideText("name").optional().catch(undefined),
        })
        // The individual checks (libvirt, lld_connected, ...) are read by name in toSystemHealth.
        .catchall(z.unknown()),
    )
    .default({}),
  controller: z.record(z.string(), z.unknown()).nullable().optional(),
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
    status: outsideText("status"),
    expires: expirySchema,
    register_time: z
      .object({
        status: outsideText("status").nullable().optional(),
        failure: z.unknown().optional(),
      })
      .nullable()
      .optional(),
  }),
  authorization: z.object({
    status: outsideText("status"),
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

/**
 * The lab ids go back into request paths (encoded) as CML sent them, only
 * made well-formed: a lone surrogate would make encodeURIComponent throw.
 */
export const labIdsSchema = z.array(z.string().transform((id) => id.toWellFormed()));

/** One lab; the id the fleet keeps is cleaned. */
export const labSchema = z.object({
  id: outsideText("name"),
  lab_title: outsideText("labTitle").nullable().optional(),
  state: outsideText("status"),
  // Shown, never acted on: a count CML leaves out or garbles is read as unknown, not as a parse error.
  node_count: z.number().int().nonnegative().nullable().optional().catch(null),
});

export const telemetryEventsSchema = z.array(
  z.object({
    category: z.string(),
    timestamp: z.string(),
    data: z
      .object({
        user_id: z
          .union([outsideText("name"), z.number()])
          .nullable()
          .optional(),
      })
      .nullable()
      .optional(),
  }),
);
