ALTER TABLE "api_tokens" DROP CONSTRAINT "api_tokens_role_check";--> statement-breakpoint
ALTER TABLE "workers" ADD COLUMN "owner" text;--> statement-breakpoint
CREATE INDEX "workers_owner_created_at_id_index" ON "workers" USING btree ("owner","created_at","id");--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_role_check" CHECK (role in ('VIEWER', 'OPERATOR', 'ADMIN', 'USER'));