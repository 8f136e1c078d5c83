CREATE TABLE "worker_count" (
	"id" boolean PRIMARY KEY DEFAULT true NOT NULL,
	"total" bigint NOT NULL,
	CONSTRAINT "worker_count_single_row" CHECK ("worker_count"."id")
);
--> statement-breakpoint
-- Writers wait until the count below is taken and the triggers are in place, so no insert falls between.
LOCK TABLE "workers" IN SHARE MODE;--> statement-breakpoint
INSERT INTO "worker_count" ("id", "total") SELECT true, count(*) FROM "workers";--> statement-breakpoint
-- Statement triggers with transition tables: a bulk insert or delete moves the count once.
-- SET search_path FROM CURRENT binds the function to the schema it was made in (the fleet's schema).
CREATE FUNCTION "worker_count_follow"() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
DECLARE
	moved bigint;
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		UPDATE "worker_count" SET "total" = 0;
		RETURN NULL;
	END IF;
	IF TG_OP = 'INSERT' THEN
		SELECT count(*) INTO moved FROM "inserted_workers";
	ELSE
		SELECT -count(*) INTO moved FROM "deleted_workers";
	END IF;
	-- A statement that wrote no row (an insert whose every row conflicted) leaves the row unlocked.
	IF moved <> 0 THEN
		UPDATE "worker_count" SET "total" = "total" + moved;
	END IF;
	RETURN NULL;
END
$$;--> statement-breakpoint
CREATE TRIGGER "workers_count_insert" AFTER INSERT ON "workers" REFERENCING NEW TABLE AS "inserted_workers" FOR EACH STATEMENT EXECUTE FUNCTION "worker_count_follow"();--> statement-breakpoint
CREATE TRIGGER "workers_count_delete" AFTER DELETE ON "workers" REFERENCING OLD TABLE AS "deleted_workers" FOR EACH STATEMENT EXECUTE FUNCTION "worker_count_follow"();--> statement-breakpoint
CREATE TRIGGER "workers_count_truncate" AFTER TRUNCATE ON "workers" FOR EACH STATEMENT EXECUTE FUNCTION "worker_count_follow"();
