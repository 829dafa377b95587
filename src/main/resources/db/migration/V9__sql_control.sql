-- Trickle catalog, version 9: pg_trickle's control functions. Each asks the running service for a
-- plan (validated exactly as the HTTP API validates; nothing changes), then does the work in the
-- caller's transaction: a rolled-back transaction leaves nothing, and the service takes up the
-- new definition when the transaction commits (docs/ARCHITECTURE.md, "SQL functions"). While the
-- service is not running, calls are queued in pgt_queued_calls (in the caller's transaction) and
-- done, in order, when it starts; one that fails stays there with its error.

ALTER TABLE pgtrickle.pgt_stream_tables
    DROP CONSTRAINT pgt_stream_tables_origin_check,
    ADD CONSTRAINT pgt_stream_tables_origin_check CHECK (origin IN ('config', 'api', 'sql'));

CREATE TABLE pgtrickle.pgt_queued_calls (
    call_id    bigserial   PRIMARY KEY,
    op         text        NOT NULL,
    args       jsonb       NOT NULL,
    queued_at  timestamptz NOT NULL DEFAULT now(),
    error      text
);

COMMENT ON TABLE pgtrickle.pgt_queued_calls IS
    'SQL function calls made while the Trickle service was not running; done when it starts.';

-- Queues a call for when the service starts, and says so.
CREATE FUNCTION pgtrickle.pgt_queue(op text, args jsonb)
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    INSERT INTO pgtrickle.pgt_queued_calls (op, args) VALUES (op, args);
    RAISE NOTICE 'the Trickle service is not running: pgtrickle.%(%) is queued and done when it starts (see pgtrickle.pgt_queued_calls)',
        op, args ->> 'name';
END
$$;

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
    args jsonb := jsonb_build_object('name', name, 'query', query, 'schedule', schedule,
                                     'refresh_mode', refresh_mode, 'preset', preset);
    plan jsonb;
    c    jsonb;
    s    text;
    id   bigint;
BEGIN
    IF NOT pgtrickle.pgt_service_running() THEN
        PERFORM pgtrickle.pgt_queue('create_stream_table', args);
        RETURN;
    END IF;
    plan := pgtrickle.pgt_call('plan_create', args || jsonb_build_object('xid', txid_current()::text));
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

-- Changes a stream table's schedule, refresh mode and/or status ('SUSPENDED' stops maintaining
-- it, as the circuit breaker does; 'ACTIVE' takes it up again, filled anew). Only the schedule or
-- the mode: applied in place at commit. A mode that needs another storage layout: the table is
-- rebuilt here. Otherwise the service pauses it until this transaction ends.
CREATE FUNCTION pgtrickle.alter_stream_table(name text, schedule text DEFAULT NULL,
                                             refresh_mode text DEFAULT NULL,
                                             status text DEFAULT NULL)
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
DECLARE
    args jsonb := jsonb_build_object('name', name, 'schedule', schedule,
                                     'refresh_mode', refresh_mode, 'status', status);
    plan jsonb;
    s    text;
BEGIN
    IF NOT pgtrickle.pgt_service_running() THEN
        PERFORM pgtrickle.pgt_queue('alter_stream_table', args);
        RETURN;
    END IF;
    plan := pgtrickle.pgt_call('plan_alter', args || jsonb_build_object('xid', txid_current()::text));
    -- a mode that needs another storage layout: the table is rebuilt here, in one transaction
    FOR s IN SELECT jsonb_array_elements_text(plan -> 'rebuild') LOOP
        EXECUTE s;
    END LOOP;
    UPDATE pgtrickle.pgt_stream_tables t
       SET schedule_ms = (plan ->> 'schedule_ms')::bigint, refresh_mode = plan ->> 'refresh_mode',
           strategy = plan ->> 'strategy', status = coalesce(plan ->> 'status', t.status),
           frontier = CASE WHEN (plan ->> 'in_place')::boolean THEN t.frontier END,
           updated_at = now()
     WHERE t.pgt_id = (plan ->> 'id')::bigint;
    IF (plan ->> 'in_place')::boolean THEN
        -- only the schedule or the mode: applied at this commit, frontier kept
        PERFORM pg_logical_emit_message(true, 'pgtrickle.request',
            jsonb_build_object('op', 'altered', 'args', jsonb_build_object('id', plan -> 'id'))::text);
    END IF;
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
    IF NOT pgtrickle.pgt_service_running() THEN
        PERFORM pgtrickle.pgt_queue('drop_stream_table', jsonb_build_object('name', name));
        RETURN;
    END IF;
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

-- Refreshes a stream table now and returns once the refresh has committed (as
-- POST /api/v1/stream-tables/{name}/refresh).
CREATE FUNCTION pgtrickle.refresh_stream_table(name text)
RETURNS void
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_variable
BEGIN
    IF NOT pgtrickle.pgt_service_running() THEN
        PERFORM pgtrickle.pgt_queue('refresh_stream_table', jsonb_build_object('name', name));
        RETURN;
    END IF;
    PERFORM pgtrickle.pgt_call('refresh', jsonb_build_object('name', name));
END
$$;
