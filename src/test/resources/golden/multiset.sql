-- strategy: MULTISET
-- delta columns: [kind, payload, select]

-- create storage
CREATE TABLE "public"."event_kinds" ("kind" text, "select" integer, __pgt_row_id uuid NOT NULL, __pgt_dup int NOT NULL);
CREATE UNIQUE INDEX ON "public"."event_kinds" (__pgt_row_id, __pgt_dup);

-- full refresh
DELETE FROM "public"."event_kinds";
INSERT INTO "public"."event_kinds" ("kind", "select", __pgt_row_id, __pgt_dup) SELECT q.*, row_number() OVER (PARTITION BY q.__pgt_rid) FROM (SELECT d.*, md5(d::text)::uuid AS __pgt_rid FROM (SELECT kind, "select" FROM events WHERE kind <> 'noise') d) q;

-- delta table
CREATE TEMP TABLE IF NOT EXISTS __pgt_delta_7 ("kind" text, "payload" jsonb, "select" integer, __pgt_w int NOT NULL) ON COMMIT DELETE ROWS;

-- copy in
COPY pg_temp.__pgt_delta_7 FROM STDIN;

-- apply delta
WITH d AS (SELECT __pgt_c1, __pgt_c2, sum(x.__pgt_w)::int AS __pgt_w FROM (SELECT kind AS __pgt_c1, "select" AS __pgt_c2, events.__pgt_w FROM pg_temp.__pgt_delta_7 AS events WHERE kind <> 'noise') x GROUP BY 1, 2), dd AS (SELECT d.*, md5(ROW(d.__pgt_c1, d.__pgt_c2)::text)::uuid AS __pgt_rid FROM d WHERE d.__pgt_w <> 0), cur AS (SELECT __pgt_row_id, count(*)::int AS n FROM "public"."event_kinds" WHERE __pgt_row_id IN (SELECT __pgt_rid FROM dd) GROUP BY 1), ops AS (SELECT dd.*, g.g AS __pgt_dup FROM dd LEFT JOIN cur ON cur.__pgt_row_id = dd.__pgt_rid CROSS JOIN LATERAL generate_series(CASE WHEN dd.__pgt_w > 0 THEN coalesce(cur.n, 0) + 1 ELSE coalesce(cur.n, 0) + dd.__pgt_w + 1 END, CASE WHEN dd.__pgt_w > 0 THEN coalesce(cur.n, 0) + dd.__pgt_w ELSE coalesce(cur.n, 0) END) AS g(g)) MERGE INTO "public"."event_kinds" t USING ops s ON t.__pgt_row_id = s.__pgt_rid AND t.__pgt_dup = s.__pgt_dup WHEN MATCHED AND s.__pgt_w < 0 THEN DELETE WHEN NOT MATCHED AND s.__pgt_w > 0 THEN INSERT ("kind", "select", __pgt_row_id, __pgt_dup) VALUES (s.__pgt_c1, s.__pgt_c2, s.__pgt_rid, s.__pgt_dup);
