-- strategy: KEYED
-- delta columns: [id]

-- create storage
CREATE TABLE "app"."big orders" ("id" integer, "select" text, "doubled" numeric, __pgt_k1 integer NOT NULL);
CREATE UNIQUE INDEX ON "app"."big orders" (__pgt_k1);

-- full refresh
DELETE FROM "app"."big orders";
INSERT INTO "app"."big orders" ("id", "select", "doubled", __pgt_k1) SELECT w.id AS __pgt_c1, w."select" AS __pgt_c2, w.amount * 2 AS __pgt_c3, w."id" FROM "public"."we""ird" AS w WHERE (w.amount > 10);

-- delta table

-- copy in

-- apply delta
MERGE INTO "app"."big orders" t USING (SELECT k.*, n.* FROM (SELECT CAST(u.k1 AS integer) AS __pgt_r1 FROM unnest(CAST($1 AS text[])) AS u(k1)) k LEFT JOIN (SELECT w.id AS __pgt_c1, w."select" AS __pgt_c2, w.amount * 2 AS __pgt_c3, w."id" AS __pgt_k1, true AS __pgt_found FROM "public"."we""ird" AS w WHERE (w.amount > 10)) n ON n.__pgt_k1 = k.__pgt_r1) s ON t.__pgt_k1 = s.__pgt_r1 WHEN MATCHED AND s.__pgt_found IS NULL THEN DELETE WHEN MATCHED AND (t."id" IS DISTINCT FROM s.__pgt_c1 OR t."select" COLLATE "C" IS DISTINCT FROM s.__pgt_c2 COLLATE "C" OR t."doubled"::text IS DISTINCT FROM s.__pgt_c3::text) THEN UPDATE SET "id" = s.__pgt_c1, "select" = s.__pgt_c2, "doubled" = s.__pgt_c3 WHEN NOT MATCHED AND s.__pgt_found THEN INSERT ("id", "select", "doubled", __pgt_k1) VALUES (s.__pgt_c1, s.__pgt_c2, s.__pgt_c3, s.__pgt_r1);
