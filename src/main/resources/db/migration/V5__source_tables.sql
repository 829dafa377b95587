-- Trickle catalog, version 5: the tables each stream table's query reads (schema-qualified), so
-- that stream tables reading other stream tables are known: a drop that would leave a reader
-- without its source is refused unless cascaded, and cycles are refused at creation.
ALTER TABLE pgtrickle.pgt_stream_tables
    ADD COLUMN source_tables text[] NOT NULL DEFAULT '{}';
