-- Trickle catalog, version 4: a stream table's resource budget set explicitly (NULL: the preset's,
-- else the service-wide default). workers: refresh workers it may use, -1 for as many as
-- pg_trickle.max_workers allows; merge_work_mem_mb: work_mem of its refresh transactions.
ALTER TABLE pgtrickle.pgt_stream_tables
    ADD COLUMN workers int CHECK (workers = -1 OR workers >= 1),
    ADD COLUMN merge_work_mem_mb int CHECK (merge_work_mem_mb >= 1);
