-- Trickle catalog, version 3: the catalog-level cache of generated refresh SQL (the second level
-- behind the in-memory cache). One row per stream table and query version; bounded by
-- pg_trickle.template_cache_max_entries, oldest rows removed first. A missing row is generated
-- again from the stream table's query.
CREATE TABLE pgtrickle.pgt_delta_templates (
    pgt_id      bigint      NOT NULL,
    version     text        NOT NULL,
    templates   jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pgt_id, version)
);

COMMENT ON TABLE pgtrickle.pgt_delta_templates IS
    'generated refresh SQL per stream table and query version (a cache: safe to empty)';
