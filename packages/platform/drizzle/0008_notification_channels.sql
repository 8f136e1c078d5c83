CREATE TABLE "notification_channels" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"url" text NOT NULL,
	"format" text NOT NULL,
	"events" text[] DEFAULT '{}'::text[] NOT NULL,
	"secret" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"last_delivery_at" timestamp (3) with time zone,
	"last_error" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notification_channels_name_unique" UNIQUE("name"),
	CONSTRAINT "notification_channels_format_check" CHECK (format in ('JSON', 'SLACK'))
);
--> statement-breakpoint
CREATE TABLE "notification_deliveries" (
	"channel_id" uuid NOT NULL,
	"event_id" bigint NOT NULL,
	"delivery_id" uuid DEFAULT gen_random_uuid() NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"handed_at" timestamp (3) with time zone,
	"finished_at" timestamp (3) with time zone,
	CONSTRAINT "notification_deliveries_channel_id_event_id_pk" PRIMARY KEY("channel_id","event_id"),
	CONSTRAINT "notification_deliveries_state_check" CHECK (state in ('pending', 'delivered', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "notification_relay_cursor" (
	"name" text PRIMARY KEY NOT NULL,
	"last_event_id" bigint NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "notification_deliveries_pending_index" ON "notification_deliveries" USING btree ("handed_at","created_at") WHERE "notification_deliveries"."state" = 'pending';