-- Trickle catalog, version 2: where a stream table was declared. 'config' stream tables follow
-- the YAML files (detached when a file no longer lists them); 'api' ones were created at run
-- time through the HTTP API or the CLI and live until they are dropped.
ALTER TABLE pgtrickle.pgt_stream_tables
    ADD COLUMN origin text NOT NULL DEFAULT 'config' CHECK (origin IN ('config', 'api'));
