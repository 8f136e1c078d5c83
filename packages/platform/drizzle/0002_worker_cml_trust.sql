ALTER TABLE "workers" ADD COLUMN "cml_confirmed" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "workers" ADD COLUMN "cml_certificate_fingerprint" text;--> statement-breakpoint
ALTER TABLE "workers" ADD COLUMN "cml_rejected_fingerprint" text;