-- Trickle catalog, version 8: the channel through which SQL functions in schema pgtrickle ask the
-- running service (docs/ARCHITECTURE.md, "SQL functions"). A call writes its request as a
-- non-transactional logical decoding message (delivered whether or not the caller commits), rings
-- by naming itself in application_name so that the service makes the server flush that message to
-- the replication stream, and waits for the answer the service commits here.
CREATE SEQUENCE pgtrickle.pgt_request_ids;

CREATE TABLE pgtrickle.pgt_request_answers (
    request_id   bigint      PRIMARY KEY,
    ok           boolean     NOT NULL,
    answer       jsonb,
    error        text,
    answered_at  timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE pgtrickle.pgt_request_answers IS
    'Answers of the Trickle service to SQL function calls; each call removes its own.';

-- Whether the service is running (a replication slot of its is active).
CREATE FUNCTION pgtrickle.pgt_service_running()
RETURNS boolean
LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM pg_replication_slots s JOIN pgtrickle.pgt_slots t USING (slot_name)
                    WHERE s.active AND s.database = current_database())
$$;

-- Sends a request to the service and returns its answer; raises the service's error message.
CREATE FUNCTION pgtrickle.pgt_call(op text, args jsonb, timeout interval DEFAULT '60s')
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

-- seed QW-3: what creating a stream table would do, without doing it (as POST /api/v1/preview)
CREATE FUNCTION pgtrickle.preview_stream_table(query text)
RETURNS TABLE (source_tables jsonb, refresh_strategy text, complexity_class text,
               delta_sql_template_bytes bigint, warnings text[])
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    a jsonb := pgtrickle.pgt_call('preview', jsonb_build_object('query', query));
BEGIN
    RETURN QUERY SELECT a -> 'source_tables', a ->> 'refresh_strategy', a ->> 'complexity_class',
        (a ->> 'delta_sql_template_bytes')::bigint,
        ARRAY(SELECT jsonb_array_elements_text(a -> 'warnings'));
END
$$;
