-- Trickle catalog, version 1: stream tables, refresh history, replication slot bookkeeping.
CREATE SCHEMA IF NOT EXISTS pgtrickle;

CREATE TABLE pgtrickle.pgt_stream_tables (
    pgt_id             bigserial PRIMARY KEY,
    pgt_schema         text        NOT NULL,
    pgt_name           text        NOT NULL,
    query              text        NOT NULL,
    schedule_ms        bigint      NOT NULL,
    refresh_mode       text        NOT NULL CHECK (refresh_mode IN ('FULL', 'DIFFERENTIAL', 'AUTO')),
    preset             text,
    strategy           text        NOT NULL,
    status             text        NOT NULL DEFAULT 'INITIALIZING',
    frontier           text,
    slot_name          text        NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    last_refresh_at    timestamptz,
    last_error         text,
    consecutive_errors int         NOT NULL DEFAULT 0,
    UNIQUE (pgt_schema, pgt_name)
);

COMMENT ON TABLE pgtrickle.pgt_stream_tables IS 'One row per stream table maintained by Trickle.';
COMMENT ON COLUMN pgtrickle.pgt_stream_tables.frontier IS
    'pg_snapshot (xmin:xmax:xip) whose committed transactions the stream table reflects.';
COMMENT ON COLUMN pgtrickle.pgt_stream_tables.strategy IS
    'KEYED (row id from the source key), MULTISET (row id from content) or FULL_ONLY.';

CREATE TABLE pgtrickle.pgt_refresh_history (
    refresh_id     bigserial   PRIMARY KEY,
    pgt_id         bigint      NOT NULL,
    stream_table   text        NOT NULL,
    started_at     timestamptz NOT NULL,
    finished_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    mode           text        NOT NULL,
    status         text        NOT NULL,
    delta_rows     bigint      NOT NULL DEFAULT 0,
    source_txns    int         NOT NULL DEFAULT 0,
    merge_chunks   int         NOT NULL DEFAULT 0,
    rows_inserted  bigint,
    rows_updated   bigint,
    rows_deleted   bigint,
    rows_affected  bigint,
    reason_code    text        NOT NULL,
    frontier       text,
    error          text
);

CREATE INDEX pgt_refresh_history_st ON pgtrickle.pgt_refresh_history (pgt_id, refresh_id);

CREATE TABLE pgtrickle.pgt_slots (
    slot_name      text        PRIMARY KEY,
    publication    text        NOT NULL,
    confirmed_lsn  pg_lsn      NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE pgtrickle.pgt_slots IS
    'The position Trickle confirmed to each slot, written before the server is told.';

CREATE FUNCTION pgtrickle.pgt_status()
RETURNS TABLE (name text, status text, refresh_mode text, schedule_ms bigint, preset text,
               last_refresh_at timestamptz, staleness interval, last_error text)
LANGUAGE sql STABLE AS $$
    SELECT s.pgt_schema || '.' || s.pgt_name, s.status, s.refresh_mode, s.schedule_ms, s.preset,
           s.last_refresh_at, now() - s.last_refresh_at, s.last_error
      FROM pgtrickle.pgt_stream_tables s
     ORDER BY 1
$$;
