#!/usr/bin/env bash
# Captures real pgoutput messages from a throwaway PostgreSQL cluster into *.hex files next to
# this script (one message per line as hex; '#' lines describe the statement that produced the
# messages that follow). See README.md. Requires the PostgreSQL server binaries (default: Debian's
# /usr/lib/postgresql/15/bin). When run as root, the cluster runs as the 'postgres' user.
set -euo pipefail

PGBIN=${PGBIN:-/usr/lib/postgresql/15/bin}
OUT=$(cd "$(dirname "$0")" && pwd)
TMP=$(mktemp -d /tmp/trickle-capture.XXXXXX)
PORT=$((20000 + RANDOM % 20000))

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then chown postgres "$TMP"; fi

cleanup() {
  as_pg "$PGBIN/pg_ctl" -D "$TMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$TMP"
}
trap cleanup EXIT

as_pg "$PGBIN/initdb" -D "$TMP/data" -U postgres --auth=trust --no-sync >/dev/null
as_pg "$PGBIN/pg_ctl" -D "$TMP/data" -l "$TMP/server.log" -w \
  -o "-c wal_level=logical -c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$TMP -c max_replication_slots=10 -c fsync=off -c TimeZone=UTC" \
  start >/dev/null

sql() {
  as_pg "$PGBIN/psql" -h "$TMP" -p "$PORT" -U postgres -d postgres -X -q -At -v ON_ERROR_STOP=1 "$@"
}

# slot name -> file and pgoutput options
declare -A FILE OPTS
FILE[s_v1]=v1-text.hex
OPTS[s_v1]="'proto_version','1','publication_names','pub','messages','true'"
FILE[s_v1b]=v1-binary.hex
OPTS[s_v1b]="'proto_version','1','publication_names','pub','messages','true','binary','true'"
FILE[s_v2]=v2-stream.hex
OPTS[s_v2]="'proto_version','2','publication_names','pub','messages','true','streaming','on'"
ACTIVE=()

header() {
  for slot in "${ACTIVE[@]}"; do
    {
      echo "# Captured by capture.sh from PostgreSQL $(sql -c 'SHOW server_version')"
      echo "# slot $slot, pgoutput options: ${OPTS[$slot]}"
    } >"$OUT/${FILE[$slot]}"
  done
}

# step DESCRIPTION SQL: runs SQL, then appends the messages it produced to every active slot's file.
step() {
  local desc=$1 stmt=$2
  sql -c "$stmt" >/dev/null
  # CHECKPOINT flushes WAL (aborts and non-transactional messages are not flushed on their own)
  # and logs a running-xacts record, so the slot's restart point moves past this step and the
  # next step does not re-decode (and re-stream) it.
  sql -c "CHECKPOINT" >/dev/null
  for slot in "${ACTIVE[@]}"; do
    echo "# $desc" >>"$OUT/${FILE[$slot]}"
    sql -c "SET logical_decoding_work_mem = '64kB'" \
      -c "SELECT encode(data, 'hex') FROM pg_logical_slot_get_binary_changes('$slot', NULL, NULL, ${OPTS[$slot]})" \
      >>"$OUT/${FILE[$slot]}"
  done
}

# ---- Phase 1: protocol version 1, text and binary mode ------------------------------------------
sql >/dev/null <<'SQL'
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE items (
  id int PRIMARY KEY,
  name text,
  price numeric(10,2),
  data bytea,
  doc jsonb,
  big text,
  feeling mood
);
ALTER TABLE items ALTER COLUMN big SET STORAGE EXTERNAL; -- force out-of-line TOAST, no compression
CREATE TABLE audit (id int, note text) ;
ALTER TABLE audit REPLICA IDENTITY FULL;
CREATE TABLE bulk (id int PRIMARY KEY, payload text);
CREATE PUBLICATION pub FOR ALL TABLES;
SELECT pg_replication_origin_create('trickle_origin');
SELECT pg_create_logical_replication_slot('s_v1', 'pgoutput');
SELECT pg_create_logical_replication_slot('s_v1b', 'pgoutput');
SQL
ACTIVE=(s_v1 s_v1b)
header

step "INSERT INTO items three rows: full values incl. 10000-char TOASTed big; empty name + NULLs; unicode name" \
  "INSERT INTO items VALUES
     (1, 'widget', 12.50, '\\x0001ff'::bytea, '{\"a\": 1}', repeat('x', 10000), 'happy'),
     (2, '', NULL, NULL, NULL, 'short', NULL),
     (3, 'Grüße ✓ 日本', -0.01, '\\x'::bytea, '[]', NULL, 'sad')"
step "UPDATE items SET price = 13.75 WHERE id = 1 (big stays TOASTed and unchanged -> 'u')" \
  "UPDATE items SET price = 13.75 WHERE id = 1"
step "UPDATE items SET id = 20 WHERE id = 2 (key changed -> old key tuple 'K')" \
  "UPDATE items SET id = 20 WHERE id = 2"
step "DELETE FROM items WHERE id = 3 (default replica identity -> old key tuple 'K')" \
  "DELETE FROM items WHERE id = 3"
step "INSERT INTO audit VALUES (7, 'seven') (REPLICA IDENTITY FULL table)" \
  "INSERT INTO audit VALUES (7, 'seven')"
step "UPDATE audit SET note = 'SEVEN' WHERE id = 7 (replica identity full -> old row 'O')" \
  "UPDATE audit SET note = 'SEVEN' WHERE id = 7"
step "DELETE FROM audit WHERE id = 7 (replica identity full -> old row 'O')" \
  "DELETE FROM audit WHERE id = 7"
step "SELECT pg_logical_emit_message(true, 'trickle', 'x') (transactional)" \
  "SELECT pg_logical_emit_message(true, 'trickle', 'x')"
step "SELECT pg_logical_emit_message(false, 'trickle', 'non-tx') (non-transactional)" \
  "SELECT pg_logical_emit_message(false, 'trickle', 'non-tx')"
step "transaction with replication origin trickle_origin (origin lsn 0/ABCDEF): INSERT INTO audit VALUES (8, 'from origin')" \
  "SELECT pg_replication_origin_session_setup('trickle_origin');
   BEGIN;
   SELECT pg_replication_origin_xact_setup('0/ABCDEF', '2024-01-02 03:04:05+00');
   INSERT INTO audit VALUES (8, 'from origin');
   COMMIT;"
step "TRUNCATE items, audit RESTART IDENTITY CASCADE" \
  "TRUNCATE items, audit RESTART IDENTITY CASCADE"
sql -c "SELECT pg_drop_replication_slot('s_v1'), pg_drop_replication_slot('s_v1b')" >/dev/null

# ---- Phase 2: protocol version 2 with streaming of large transactions ---------------------------
sql -c "SELECT pg_create_logical_replication_slot('s_v2', 'pgoutput')" >/dev/null
ACTIVE=(s_v2)
header

step "small transaction, not streamed: INSERT INTO bulk VALUES (0, 'small')" \
  "INSERT INTO bulk VALUES (0, 'small')"
step "large committed transaction, streamed (work_mem 64kB): INSERT 400 rows ids 1..400, message, UPDATE id 1, DELETE id 2, TRUNCATE audit" \
  "BEGIN;
   INSERT INTO bulk SELECT g, repeat('p', 50) FROM generate_series(1, 400) g;
   SELECT pg_logical_emit_message(true, 'trickle', 'in-stream');
   UPDATE bulk SET payload = 'changed' WHERE id = 1;
   DELETE FROM bulk WHERE id = 2;
   TRUNCATE audit;
   COMMIT;"
step "large transaction rolled back, streamed: INSERT 400 rows ids 1001..1400 then ROLLBACK" \
  "BEGIN;
   INSERT INTO bulk SELECT g, repeat('a', 50) FROM generate_series(1001, 1400) g;
   ROLLBACK;"
step "large transaction with rolled-back savepoint: INSERT 2001..2400, SAVEPOINT s1, INSERT 3001..3400, ROLLBACK TO s1, COMMIT" \
  "BEGIN;
   INSERT INTO bulk SELECT g, repeat('s', 50) FROM generate_series(2001, 2400) g;
   SAVEPOINT s1;
   INSERT INTO bulk SELECT g, repeat('r', 50) FROM generate_series(3001, 3400) g;
   ROLLBACK TO s1;
   COMMIT;"
echo "captured into $OUT: v1-text.hex v1-binary.hex v2-stream.hex"
