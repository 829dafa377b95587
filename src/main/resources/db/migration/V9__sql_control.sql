-- Trickle catalog, version 9: pg_trickle's control functions. Each asks the running service for a
-- plan (validated exactly as the HTTP API validates; nothing changes), then does the work in the
-- caller's transaction: a rolled-back transaction leaves nothing, and the service takes up the
-- new definition when the transaction commits (docs/ARCHITECTURE.md, "SQL functions").

ALTER TABLE pgtrickle.pgt_stream_tables
    DROP CONSTRAINT pgt_stream_tables_origin_check,
    ADD CONSTRAINT pgt_stream_tables_origin_check CHECK (origin IN ('config', 'api', 'sql'));

-- Creates (and, with initialize, fills) a stream table. Without a preset, the schedule defaults
-- to 1m and the refresh mode to DIFFERENTIAL, as in pg_trickle; with one, to the preset's.
CREATE FUNCTION pgtrickle.create_stream_table(name text, query text, schedule text DEFAULT NULL,
                                              refresh_mode text DEFAULT NULL,
                                              initialize boolean DEFAULT true,
                                              preset text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    plan jsonb;
    c    jsonb;
    s    text;
    id   bigint;
BEGIN
    plan := pgtrickle.pgt_call('plan_create', jsonb_build_object('name', name, 'query', query,
        'schedule', schedule, 'refresh_mode', refresh_mode, 'preset', preset,
        'xid', txid_current()::text));
    FOR s IN SELECT jsonb_array_elements_text(plan -> 'create') LOOP
        EXECUTE s;
    END LOOP;
    IF initialize THEN
        FOR s IN SELECT jsonb_array_elements_text(plan -> 'fill') LOOP
            EXECUTE s;
        END LOOP;
    END IF;
    c := plan -> 'catalog';
    INSERT INTO pgtrickle.pgt_stream_tables (pgt_schema, pgt_name, query, schedule_ms, refresh_mode,
                                             preset, workers, merge_work_mem_mb, strategy,
                                             slot_name, origin)
    VALUES (c ->> 'pgt_schema', c ->> 'pgt_name', c ->> 'query', (c ->> 'schedule_ms')::bigint,
            c ->> 'refresh_mode', c ->> 'preset', (c ->> 'workers')::int,
            (c ->> 'merge_work_mem_mb')::int, c ->> 'strategy', c ->> 'slot_name', 'sql')
    RETURNING pgt_id INTO id;
    FOR s IN SELECT jsonb_array_elements_text(plan -> 'warnings') LOOP
        RAISE NOTICE '%', s;
    END LOOP;
    -- delivered to the service at this transaction's commit, never if it rolls back
    PERFORM pg_logical_emit_message(true, 'pgtrickle.request',
        jsonb_build_object('op', 'adopt', 'args', jsonb_build_object('id', id))::text);
END
$$;

-- Changes a stream table's schedule and/or refresh mode. The service stops maintaining it until
-- the caller's transaction ends, then takes it up as the catalog says and fills it anew.
CREATE FUNCTION pgtrickle.alter_stream_table(name text, schedule text DEFAULT NULL,
                                             refresh_mode text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    plan jsonb;
BEGIN
    plan := pgtrickle.pgt_call('plan_alter', jsonb_build_object('name', name,
        'schedule', schedule, 'refresh_mode', refresh_mode, 'xid', txid_current()::text));
    UPDATE pgtrickle.pgt_stream_tables t
       SET schedule_ms = (plan ->> 'schedule_ms')::bigint, refresh_mode = plan ->> 'refresh_mode',
           frontier = NULL, updated_at = now()
     WHERE t.pgt_id = (plan ->> 'id')::bigint;
END
$$;

-- Drops a stream table: its table and its catalog rows, in the caller's transaction. A stream
-- table that others read is not dropped (drop those first).
CREATE FUNCTION pgtrickle.drop_stream_table(name text)
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    plan jsonb;
    id   bigint;
BEGIN
    plan := pgtrickle.pgt_call('plan_drop', jsonb_build_object('name', name,
        'xid', txid_current()::text));
    id := (plan ->> 'id')::bigint;
    EXECUTE 'DROP TABLE IF EXISTS ' || (plan ->> 'table');
    DELETE FROM pgtrickle.pgt_delta_templates t WHERE t.pgt_id = id;
    DELETE FROM pgtrickle.pgt_commit_latency l
     WHERE l.stream_table = (SELECT s.pgt_schema || '.' || s.pgt_name
                               FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_id = id);
    DELETE FROM pgtrickle.pgt_refresh_history h WHERE h.pgt_id = id;
    DELETE FROM pgtrickle.pgt_stream_tables s WHERE s.pgt_id = id;
END
$$;
