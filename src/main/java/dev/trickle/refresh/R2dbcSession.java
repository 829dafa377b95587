package dev.trickle.refresh;

import io.netty.buffer.Unpooled;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.postgresql.api.PostgresqlStatement;
import java.nio.charset.StandardCharsets;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A thin blocking facade over one R2DBC connection, used from refresh worker threads (never from a
 * non-blocking thread). Values are always bound, never spliced into SQL.
 */
final class R2dbcSession implements AutoCloseable {
  private final PostgresqlConnection conn;

  /** Statements run once per session (temp tables), committed / in the open transaction. */
  private final java.util.Set<String> doneOnce = new java.util.HashSet<>();

  private final java.util.Set<String> doneOnceInTransaction = new java.util.HashSet<>();

  R2dbcSession(PostgresqlConnection conn) {
    this.conn = conn;
  }

  /**
   * Begins a REPEATABLE READ transaction and runs its first query in the same round trip (one
   * simple query message); the driver follows the transaction state the server reports.
   *
   * @param sql a query without parameters
   * @return the first column of its first row
   */
  String beginAndQueryString(String sql) {
    return queryString("BEGIN ISOLATION LEVEL REPEATABLE READ; " + sql);
  }

  /**
   * Begins a REPEATABLE READ transaction and runs its first query in the same round trip.
   *
   * @param sql a query without parameters
   * @return the columns of its first row, as text
   */
  java.util.List<String> beginAndQueryRow(String sql) {
    return Flux.from(
            conn.createStatement("BEGIN ISOLATION LEVEL REPEATABLE READ; " + sql).execute())
        .flatMap(
            r ->
                r.map(
                    (row, meta) -> {
                      java.util.List<String> out = new java.util.ArrayList<>();
                      for (int i = 0; i < meta.getColumnMetadatas().size(); i++) {
                        out.add(row.get(i, String.class));
                      }
                      return out;
                    }))
        // read to the end, so that the driver has seen the server report the open transaction
        // (a refresh may roll back right after this statement, as when its sources changed)
        .collectList()
        .block()
        .get(0);
  }

  void commit() {
    conn.commitTransaction().block();
    doneOnce.addAll(doneOnceInTransaction);
    doneOnceInTransaction.clear();
  }

  void rollback() {
    doneOnceInTransaction.clear();
    conn.rollbackTransaction().onErrorResume(e -> Mono.empty()).block();
  }

  /**
   * Runs a statement unless this session already committed it (creating a session temp table):
   * saves a round trip per refresh. A statement of a transaction that rolls back runs again.
   */
  void executeOnce(String sql) {
    if (!doneOnce.contains(sql) && doneOnceInTransaction.add(sql)) {
      execute(sql);
    }
  }

  /**
   * Creates a session temp table unless this session already did with this very statement; a table
   * of that name created by another statement (its stream table was planned again after a source
   * change, so its columns differ) is dropped first.
   */
  void createOnce(String sql) {
    if (doneOnce.contains(sql) || !doneOnceInTransaction.add(sql)) {
      return;
    }
    String prefix = "CREATE TEMP TABLE IF NOT EXISTS ";
    if (sql.startsWith(prefix)) {
      String name = sql.substring(prefix.length(), sql.indexOf(' ', prefix.length()));
      execute("DROP TABLE IF EXISTS " + (name.contains(".") ? name : "pg_temp." + name));
    }
    execute(sql);
  }

  /** A typed SQL NULL to bind. */
  record NullOf(Class<?> type) {}

  long execute(String sql, Object... binds) {
    PostgresqlStatement st = conn.createStatement(sql);
    for (int i = 0; i < binds.length; i++) {
      if (binds[i] instanceof NullOf n) {
        st.bindNull(i, n.type());
      } else if (binds[i] == null) {
        st.bindNull(i, String.class);
      } else {
        st.bind(i, binds[i]);
      }
    }
    Long n = Flux.from(st.execute()).flatMap(r -> r.getRowsUpdated()).reduce(0L, Long::sum).block();
    return n == null ? 0 : n;
  }

  String queryString(String sql) {
    return Flux.from(conn.createStatement(sql).execute())
        .flatMap(r -> r.map((row, meta) -> String.valueOf(row.get(0, String.class))))
        .blockFirst();
  }

  long copyIn(String sql, String payload) {
    Long n =
        conn.copyIn(
                sql, Mono.just(Unpooled.wrappedBuffer(payload.getBytes(StandardCharsets.UTF_8))))
            .block();
    return n == null ? 0 : n;
  }

  boolean isValid() {
    Boolean ok = Mono.from(conn.validate(io.r2dbc.spi.ValidationDepth.REMOTE)).block();
    return ok != null && ok;
  }

  /** Whether the connection is still open, without a round trip. */
  boolean isOpen() {
    Boolean ok = Mono.from(conn.validate(io.r2dbc.spi.ValidationDepth.LOCAL)).block();
    return ok != null && ok;
  }

  @Override
  public void close() {
    conn.close().onErrorResume(e -> Mono.empty()).block();
  }
}
