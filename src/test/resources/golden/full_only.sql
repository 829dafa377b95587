-- strategy: FULL_ONLY
-- delta columns: []

-- create storage
CREATE TABLE "public"."we""ird_totals" ("select" text, "n" bigint, __pgt_row_id uuid NOT NULL, __pgt_dup int NOT NULL);
CREATE UNIQUE INDEX ON "public"."we""ird_totals" (__pgt_row_id, __pgt_dup);

-- full refresh
DELETE FROM "public"."we""ird_totals";
INSERT INTO "public"."we""ird_totals" ("select", "n", __pgt_row_id, __pgt_dup) SELECT q.*, row_number() OVER (PARTITION BY q.__pgt_rid) FROM (SELECT d.*, md5(d::text)::uuid AS __pgt_rid FROM (SELECT "select", count(*) AS n FROM public."we""ird" GROUP BY 1) d) q;

-- delta table

-- copy in

-- apply delta
