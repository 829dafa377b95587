-- Trickle catalog, version 10: calls made while the service is not running. create, alter, drop
-- and refresh are queued here in the caller's transaction (a rollback queues nothing) and done,
-- in order, when the service starts; one that fails stays here with its error.
CREATE TABLE pgtrickle.pgt_queued_calls (
    call_id    bigserial   PRIMARY KEY,
    op         text        NOT NULL,
    args       jsonb       NOT NULL,
    queued_at  timestamptz NOT NULL DEFAULT now(),
    error      text
);

COMMENT ON TABLE pgtrickle.pgt_queued_calls IS
    'SQL function calls made while the Trickle service was not running; done when it starts.';

-- Whether the service is running (a replication slot of its is active).
CREATE FUNCTION pgtrickle.pgt_service_running()
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM pg_replication_slots s JOIN pgtrickle.pgt_slots t USING (slot_name)
                    WHERE s.active AND s.database = current_database())
$$;

-- as in version 8, with the service found as above (a slot of this database)
CREATE OR REPLACE FUNCTION pgtrickle.pgt_call(op text, args jsonb, timeout interval DEFAULT '60s')
RETURNS jsonb
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    id        bigint;
    reply     pgtrickle.pgt_request_answers;
    previous  text := current_setting('application_name');
    deadline  timestamptz := clock_timestamp() + timeout;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'pgtrickle.% needs the READ COMMITTED isolation level (this transaction is %)',
            op, current_setting('transaction_isolation')
            USING HINT = 'call it outside a REPEATABLE READ or SERIALIZABLE transaction';
    END IF;
    IF NOT pgtrickle.pgt_service_running() THEN
        RAISE EXCEPTION 'the Trickle service is not running (no replication slot of its is active)'
            USING HINT = 'start it (bin/trickle run) and call again';
    END IF;
    id := nextval('pgtrickle.pgt_request_ids');
    PERFORM pg_logical_emit_message(false, 'pgtrickle.request',
        jsonb_build_object('id', id, 'op', op, 'args', args)::text);
    PERFORM set_config('application_name', 'pgtrickle request ' || id, false);
    BEGIN
        LOOP
            SELECT * INTO reply FROM pgtrickle.pgt_request_answers a WHERE a.request_id = id;
            EXIT WHEN FOUND;
            IF clock_timestamp() > deadline THEN
                RAISE EXCEPTION 'the Trickle service did not answer within %', timeout;
            END IF;
            PERFORM pg_sleep(0.005);
        END LOOP;
    EXCEPTION WHEN OTHERS THEN
        PERFORM set_config('application_name', previous, false);
        RAISE;
    END;
    PERFORM set_config('application_name', previous, false);
    DELETE FROM pgtrickle.pgt_request_answers a WHERE a.request_id = id;
    IF NOT reply.ok THEN
        RAISE EXCEPTION USING MESSAGE = reply.error, ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN reply.answer;
END
$$;

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

CREATE OR REPLACE FUNCTION pgtrickle.create_stream_table(name text, query text,
                                                         schedule text DEFAULT NULL,
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

-- alter_stream_table gains pg_trickle's status argument: 'SUSPENDED' stops maintaining the stream
-- table (as the circuit breaker does), 'ACTIVE' takes it up again, filled anew.
DROP FUNCTION pgtrickle.alter_stream_table(text, text, text);

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

CREATE OR REPLACE FUNCTION pgtrickle.drop_stream_table(name text)
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

CREATE OR REPLACE FUNCTION pgtrickle.refresh_stream_table(name text)
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
