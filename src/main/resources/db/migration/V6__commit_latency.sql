-- Trickle catalog, version 6: commit-to-visible latency per stream table (seed QW-1), as the
-- service last published it (about every second while samples arrive): samples ever recorded, and
-- percentiles over the most recent 10,000. pgtrickle.commit_latency_stats() reads it, so SQL users
-- see what GET /api/v1/commit-latency-stats and `trickle latency` show.
CREATE TABLE pgtrickle.pgt_commit_latency (
    stream_table  text             PRIMARY KEY,
    count         bigint           NOT NULL,
    p50_ms        double precision NOT NULL,
    p95_ms        double precision NOT NULL,
    p99_ms        double precision NOT NULL,
    max_ms        double precision NOT NULL,
    updated_at    timestamptz      NOT NULL DEFAULT now()
);

CREATE FUNCTION pgtrickle.commit_latency_stats()
RETURNS TABLE (stream_table text, count bigint, p50_ms double precision, p95_ms double precision,
               p99_ms double precision, max_ms double precision, updated_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT l.stream_table, l.count, l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms, l.updated_at
      FROM pgtrickle.pgt_commit_latency l
     ORDER BY 1
$$;
