CREATE TABLE "audit_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "audit_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"role" text,
	"operation" text NOT NULL,
	"arguments" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"outcome" text NOT NULL,
	"error_message" text,
	"request_id" text
);
--> statement-breakpoint
CREATE TABLE "fleet_events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "fleet_events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"worker_id" text,
	"type" text NOT NULL,
	"at" timestamp (3) with time zone NOT NULL,
	"message" text NOT NULL,
	"reason" text,
	"actor" jsonb NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "worker_labs" (
	"worker_id" text NOT NULL,
	"lab_id" text NOT NULL,
	"title" text NOT NULL,
	"state" text NOT NULL,
	"position" integer NOT NULL,
	"seen_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "worker_labs_worker_id_lab_id_pk" PRIMARY KEY("worker_id","lab_id")
);
--> statement-breakpoint
CREATE TABLE "telemetry_samples" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "telemetry_samples_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"worker_id" text NOT NULL,
	"sampled_at" timestamp (3) with time zone NOT NULL,
	"cpu_percent" double precision,
	"memory_percent" double precision,
	"network_in_bytes" double precision,
	"network_out_bytes" double precision,
	"running_nodes" integer,
	"started_labs" integer,
	"cml_reachable" boolean NOT NULL,
	"instance_status_check" text,
	"system_status_check" text
);
--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"token_hash" text NOT NULL,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp (3) with time zone,
	"revoked_at" timestamp (3) with time zone,
	CONSTRAINT "api_tokens_token_hash_unique" UNIQUE("token_hash"),
	CONSTRAINT "api_tokens_role_check" CHECK (role in ('VIEWER', 'OPERATOR', 'ADMIN'))
);
--> statement-breakpoint
CREATE TABLE "workers" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"account_id" text NOT NULL,
	"region" text NOT NULL,
	"instance_type" text NOT NULL,
	"ami_id" text NOT NULL,
	"ami_name" text,
	"cml_version" text,
	"instance_id" text,
	"public_ip" text,
	"private_ip" text,
	"endpoint" text,
	"status" text NOT NULL,
	"desired_status" text NOT NULL,
	"service_status" text NOT NULL,
	"status_reason" text,
	"status_changed_at" timestamp (3) with time zone NOT NULL,
	"license_status" text NOT NULL,
	"license_node_limit" integer,
	"license_nodes_in_use" integer,
	"license_checked_at" timestamp (3) with time zone,
	"telemetry" jsonb,
	"last_activity_at" timestamp (3) with time zone,
	"idle_since" timestamp (3) with time zone,
	"idle_warned_at" timestamp (3) with time zone,
	"auto_stop_at" timestamp (3) with time zone,
	"keep_alive_until" timestamp (3) with time zone,
	"last_started_at" timestamp (3) with time zone,
	"idle_policy_enabled" boolean,
	"idle_threshold_minutes" double precision,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_by" text,
	"idempotency_key" text,
	"created_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"version" integer NOT NULL,
	CONSTRAINT "workers_idempotency_key_unique" UNIQUE("idempotency_key"),
	CONSTRAINT "workers_status_check" CHECK (status in ('PENDING', 'RUNNING', 'STOPPING', 'STOPPED', 'SHUTTING_DOWN', 'TERMINATED', 'FAILED', 'UNKNOWN')),
	CONSTRAINT "workers_desired_status_check" CHECK (desired_status in ('RUNNING', 'STOPPED', 'TERMINATED')),
	CONSTRAINT "workers_service_status_check" CHECK (service_status in ('UNKNOWN', 'UNAVAILABLE', 'STARTING', 'AVAILABLE', 'ERROR')),
	CONSTRAINT "workers_license_status_check" CHECK (license_status in ('UNKNOWN', 'UNREGISTERED', 'REGISTERING', 'REGISTERED', 'DEREGISTERING', 'EVALUATION', 'EXPIRED', 'INVALID'))
);
--> statement-breakpoint
CREATE INDEX "audit_log_at_index" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "fleet_events_worker_id_at_index" ON "fleet_events" USING btree ("worker_id","at");--> statement-breakpoint
CREATE INDEX "fleet_events_at_index" ON "fleet_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "telemetry_samples_worker_id_sampled_at_index" ON "telemetry_samples" USING btree ("worker_id","sampled_at");--> statement-breakpoint
CREATE INDEX "telemetry_samples_sampled_at_brin" ON "telemetry_samples" USING brin ("sampled_at");--> statement-breakpoint
CREATE INDEX "workers_created_at_id_index" ON "workers" USING btree ("created_at","id");--> statement-breakpoint
CREATE INDEX "workers_status_index" ON "workers" USING btree ("status");--> statement-breakpoint
CREATE INDEX "workers_region_index" ON "workers" USING btree ("region");--> statement-breakpoint
CREATE INDEX "workers_instance_id_index" ON "workers" USING btree ("instance_id");--> statement-breakpoint
CREATE INDEX "workers_tags_index" ON "workers" USING gin ("tags");