CREATE TABLE "snapshots" (
	"id" text PRIMARY KEY NOT NULL,
	"snapshot_id" text,
	"worker_id" text NOT NULL,
	"account_id" text NOT NULL,
	"region" text NOT NULL,
	"state" text NOT NULL,
	"description" text,
	"size_gib" integer,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp (3) with time zone,
	"error" text
);
--> statement-breakpoint
CREATE UNIQUE INDEX "snapshots_snapshot_id_index" ON "snapshots" USING btree ("snapshot_id");--> statement-breakpoint
CREATE INDEX "snapshots_worker_id_created_at_index" ON "snapshots" USING btree ("worker_id","created_at");