CREATE TABLE "schedules" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"time_zone" text NOT NULL,
	"windows" jsonb NOT NULL,
	"closed_dates" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"ready_at_start" boolean DEFAULT false NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "schedules_name_unique" UNIQUE("name")
);
--> statement-breakpoint
ALTER TABLE "workers" ADD COLUMN "schedule_id" uuid;--> statement-breakpoint
ALTER TABLE "workers" ADD COLUMN "schedule_state" jsonb;--> statement-breakpoint
CREATE INDEX "workers_schedule_id_index" ON "workers" USING btree ("schedule_id");