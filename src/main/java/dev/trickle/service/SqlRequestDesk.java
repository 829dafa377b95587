package dev.trickle.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trickle.model.UserError;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the SQL functions of schema {@code pgtrickle} (catalog V8, docs/ARCHITECTURE.md "SQL
 * functions"). A call writes its request as a non-transactional logical decoding message and then
 * rings: it names itself {@code pgtrickle request <id>} in {@code application_name}. PostgreSQL
 * sends such a message to the slot only once the WAL holding it is flushed, which an open
 * transaction does not do; so every {@value #POLL_MS} ms the desk looks for ringing sessions in
 * {@code pg_stat_activity} and, for a request it has not received, commits a tiny transaction,
 * which flushes the WAL. The request then arrives through the replication stream ({@link
 * #received}); the desk does what it asks on its own threads and commits the answer (or the error
 * the CLI would print) to {@code pgtrickle.pgt_request_answers}, where the call is waiting for it.
 * Requests whose caller no longer rings (a replay after a restart) are dropped.
 */
final class SqlRequestDesk implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SqlRequestDesk.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How often ringing sessions are looked for. */
  static final long POLL_MS = 50;

  /** How long a received request may wait for its caller to ring before it is dropped. */
  private static final long RING_WAIT_MS = 10_000;

  /** How long after a flush the desk flushes again for a request still not received. */
  private static final long REFLUSH_MS = 500;

  /**
   * What an operation returns when the request is another pipeline's to answer (it names a stream
   * table another service maintains in this database): no answer is written.
   */
  static final Object NOT_MINE = new Object();

  /** What a request asks: an operation and its arguments, answered with JSON or a user error. */
  @FunctionalInterface
  interface Operation {
    Object run(JsonNode args) throws Exception;
  }

  /** What a transactional message tells the service when its transaction commits. */
  @FunctionalInterface
  interface Notice {
    void accept(JsonNode args);
  }

  /** Work done on every poll with the desk's connection (e.g. ending pauses). */
  @FunctionalInterface
  interface Housekeeping {
    void run(Connection conn) throws SQLException;
  }

  private final Database db;
  private final Map<String, Operation> operations;
  private final Map<String, Notice> notices;
  private final Housekeeping housekeeping;
  private final ScheduledExecutorService poller =
      Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "trickle-sql-desk"));
  private final ExecutorService workers =
      Executors.newCachedThreadPool(r -> daemon(r, "trickle-sql-request"));

  /** Received requests not yet started: id to the request, and when it arrived. */
  private final Map<Long, Received> waiting = new ConcurrentHashMap<>();

  /** Requests started (never twice). */
  private final Set<Long> started = ConcurrentHashMap.newKeySet();

  /** When the desk last flushed for a ringing request it had not received. */
  private final Map<Long, Long> flushedAt = new HashMap<>();

  private Connection conn;

  private record Received(JsonNode request, long atMillis) {}

  SqlRequestDesk(
      Database db,
      Map<String, Operation> operations,
      Map<String, Notice> notices,
      Housekeeping housekeeping) {
    this.db = db;
    this.operations = Map.copyOf(operations);
    this.notices = Map.copyOf(notices);
    this.housekeeping = housekeeping;
  }

  /** Starts looking for ringing callers. */
  void start() {
    var unused = poller.scheduleWithFixedDelay(this::poll, POLL_MS, POLL_MS, TimeUnit.MILLISECONDS);
  }

  /** Takes a request from the replication stream (called on the reader thread). */
  void received(String content) {
    try {
      JsonNode request = JSON.readTree(content);
      Notice notice = notices.get(request.path("op").asText());
      if (notice != null) {
        workers.execute(() -> notice.accept(request.path("args")));
        return;
      }
      long id = request.path("id").asLong(-1);
      if (id >= 0 && !started.contains(id)) {
        waiting.putIfAbsent(id, new Received(request, System.currentTimeMillis()));
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      log.warn("ignoring a malformed pgtrickle request: {}", e.getOriginalMessage());
    }
  }

  private void poll() {
    try {
      Set<Long> ringing = ringing();
      long now = System.currentTimeMillis();
      boolean flush = false;
      for (long id : ringing) {
        Received r = waiting.remove(id);
        if (r != null) {
          if (started.add(id)) {
            workers.execute(() -> answer(id, r.request()));
          }
        } else if (!started.contains(id)) {
          Long last = flushedAt.get(id);
          if (last == null || now - last > REFLUSH_MS) {
            flushedAt.put(id, now);
            flush = true;
          }
        }
      }
      flushedAt.keySet().retainAll(ringing);
      waiting.values().removeIf(r -> now - r.atMillis() > RING_WAIT_MS);
      if (flush) {
        flushWal();
      }
      housekeeping.run(connection());
    } catch (SQLException | RuntimeException e) {
      log.debug("sql request desk: {}", e.getMessage());
      closeConnection();
    }
  }

  /** The request ids of the sessions ringing now. */
  private Set<Long> ringing() throws SQLException {
    Set<Long> ids = new HashSet<>();
    try (Statement s = connection().createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT application_name FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND application_name LIKE 'pgtrickle request %'")) {
      while (rs.next()) {
        try {
          ids.add(Long.parseLong(rs.getString(1).substring("pgtrickle request ".length())));
        } catch (NumberFormatException e) {
          // someone else's application name
        }
      }
    }
    return ids;
  }

  /** Commits a transaction that writes WAL, which flushes the WAL before it to the slot. */
  private void flushWal() throws SQLException {
    try (Statement s = connection().createStatement()) {
      s.execute("SELECT pg_logical_emit_message(true, 'pgtrickle.flush', '')");
    }
  }

  private void answer(long id, JsonNode request) {
    String op = request.path("op").asText();
    boolean ok;
    String answer = null;
    String error = null;
    try {
      Operation operation = operations.get(op);
      if (operation == null) {
        throw new UserError("unknown pgtrickle request " + op);
      }
      Object result = operation.run(request.path("args"));
      if (result == NOT_MINE) {
        return;
      }
      answer = JSON.writeValueAsString(result);
      ok = true;
    } catch (UserError e) {
      ok = false;
      error = e.getMessage();
    } catch (Exception e) {
      ok = false;
      String m = e.getMessage() == null ? e.toString() : e.getMessage();
      error = "the service failed: " + m.lines().findFirst().orElse(m);
      log.warn("pgtrickle request {} ({}) failed: {}", id, op, m);
    }
    try (Connection c = db.connect();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO pgtrickle.pgt_request_answers (request_id, ok, answer, error) VALUES"
                    + " (?, ?, ?::jsonb, ?) ON CONFLICT (request_id) DO NOTHING")) {
      ps.setLong(1, id);
      ps.setBoolean(2, ok);
      ps.setString(3, answer);
      ps.setString(4, error);
      ps.executeUpdate();
      // a call removes its answer, unless it raised the error it got (its transaction is then
      // aborted) or gave up; such answers are not kept long
      try (Statement s = c.createStatement()) {
        s.execute(
            "DELETE FROM pgtrickle.pgt_request_answers WHERE answered_at < now() - interval '5"
                + " minutes'");
      }
    } catch (SQLException e) {
      log.warn("cannot answer pgtrickle request {}: {}", id, e.getMessage());
    }
  }

  private Connection connection() throws SQLException {
    if (conn == null) {
      conn = db.connect();
    }
    return conn;
  }

  private void closeConnection() {
    if (conn != null) {
      try {
        conn.close();
      } catch (SQLException e) {
        log.debug("closing the desk's connection: {}", e.getMessage());
      }
      conn = null;
    }
  }

  @Override
  public void close() {
    poller.shutdownNow();
    workers.shutdownNow();
    try {
      if (!poller.awaitTermination(2, TimeUnit.SECONDS)) {
        log.debug("the sql request desk did not stop within 2 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    closeConnection();
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
