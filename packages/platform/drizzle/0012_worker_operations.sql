CREATE TABLE "worker_operations" (
	"id" text PRIMARY KEY NOT NULL,
	"worker_id" text NOT NULL,
	"kind" text NOT NULL,
	"job_id" text NOT NULL,
	"payload" jsonb NOT NULL,
	"state" text DEFAULT 'PENDING' NOT NULL,
	"requested_at" timestamp (3) with time zone NOT NULL,
	"settled_at" timestamp (3) with time zone,
	"redrives" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "worker_operations_state_check" CHECK (state in ('PENDING', 'DONE', 'FAILED', 'SUPERSEDED'))
);
--> statement-breakpoint
CREATE INDEX "worker_operations_pending_idx" ON "worker_operations" USING btree ("requested_at") WHERE state = 'PENDING';--> statement-breakpoint
CREATE INDEX "worker_operations_worker_id_kind_index" ON "worker_operations" USING btree ("worker_id","kind");