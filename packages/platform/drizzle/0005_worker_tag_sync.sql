ALTER TABLE "workers" ADD COLUMN "tags_pending_since" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "workers" ADD COLUMN "tags_applied_at" timestamp (3) with time zone;--> statement-breakpoint
ALTER TABLE "workers" ADD COLUMN "tags_apply_error" text;