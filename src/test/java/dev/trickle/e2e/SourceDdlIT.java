package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.model.Lsn;
import dev.trickle.testing.CliRun;
import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import dev.trickle.testing.ServiceProcess;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Fault F6: DDL on source tables while the service (a separate process) streams and a writer
 * writes. ADD COLUMN changes nothing; DROP / RENAME / type change of a column a stream table reads
 * takes that stream table to ERROR with one message naming the source and the change, while the
 * stream tables on the same source that do not read the column go on, exact; DROP TABLE and CREATE
 * TABLE again take its stream tables to ERROR. A refresh re-plans a stream table in ERROR and fills
 * it again once its query is valid, and it is maintained from then on; while the query is still
 * invalid, the refresh fails with the same message. Every stream table ends equal to its query.
 */
final class SourceDdlIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  static final String IDS = "SELECT id, note FROM orders WHERE id % 2 = 0";
  static final String SUM =
      "SELECT note, sum(amount) AS total, count(*) AS n FROM orders GROUP BY note";
  static final String ALL = "SELECT * FROM orders";
  static final String EV = "SELECT kind, qty FROM events";

  private static String yaml(String... nameAndQuery) {
    StringBuilder b = new StringBuilder("stream_tables:\n");
    for (int i = 0; i < nameAndQuery.length; i += 2) {
      b.append("  - name: ")
          .append(nameAndQuery[i])
          .append("\n    query: ")
          .append(nameAndQuery[i + 1])
          .append("\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n");
    }
    return b.toString();
  }

  @Test
  void columnChanges_takeOnlyTheirReadersToError_andRefreshRecoversThem() throws Exception {
    db.execute(
        "CREATE TABLE orders (id int PRIMARY KEY, amount int, note text, extra int)",
        "INSERT INTO orders SELECT g, g, 'n' || (g % 5), g FROM generate_series(1, 200) g",
        "CREATE TABLE events (kind text, qty int, memo text)",
        "INSERT INTO events SELECT 'k' || (g % 3), g, 'm' FROM generate_series(1, 100) g");
    Path config =
        PipelineFixture.writeConfig(
            db,
            "ddl_cols",
            yaml("st_ids", IDS, "st_sum", SUM, "st_all", ALL, "st_ev", EV)
                + "settings:\n  scheduler:\n    max_consecutive_errors: 3\n");
    try (ServiceProcess service = new ServiceProcess(config);
        Connection c = db.connect();
        Statement st = c.createStatement()) {
      service.start();
      String allColumns = "SELECT id, amount, note, extra FROM orders";
      awaitAllEqual(c, "st_ids", IDS, "st_sum", SUM, "st_all", allColumns, "st_ev", EV);

      // ADD COLUMN under writes: everything goes on; SELECT * keeps the columns it was created with
      whileWriting(
          () -> {
            Thread.sleep(300);
            st.execute("ALTER TABLE orders ADD COLUMN added int DEFAULT 7");
            st.execute("ALTER TABLE events ADD COLUMN flag bool DEFAULT true");
            Thread.sleep(500);
          },
          "orders",
          "events");
      awaitAllEqual(c, "st_ids", IDS, "st_sum", SUM, "st_all", allColumns, "st_ev", EV);
      assertThat(statusOf("st_all")).isEqualTo("ACTIVE");

      // DROP, RENAME under writes: their readers go to ERROR, the others go on
      whileWriting(
          () -> {
            Thread.sleep(300);
            st.execute("ALTER TABLE orders DROP COLUMN extra");
            Thread.sleep(200);
            st.execute("ALTER TABLE orders RENAME COLUMN amount TO amt");
            // columns added after the stream tables were planned: nobody reads them
            st.execute("ALTER TABLE orders DROP COLUMN added");
            st.execute("ALTER TABLE events DROP COLUMN flag");
            Thread.sleep(500);
          },
          "orders",
          "events");
      awaitStatus("st_all", "ERROR");
      awaitStatus("st_sum", "ERROR");
      assertThat(errorOf("st_all"))
          .isEqualTo("source public.orders changed: column extra was dropped");
      assertThat(errorOf("st_sum"))
          .isEqualTo("source public.orders changed: column amount was renamed to amt");
      awaitAllEqual(c, "st_ids", IDS, "st_ev", EV);
      assertThat(statusOf("st_ids")).isEqualTo("ACTIVE");
      assertThat(statusOf("st_ev")).isEqualTo("ACTIVE");
      // a keyless stream table ships whole row images: it reads every column it was planned with
      st.execute("ALTER TABLE events DROP COLUMN memo");
      st.execute("DELETE FROM events WHERE qty = 5");
      awaitStatus("st_ev", "ERROR");
      assertThat(errorOf("st_ev"))
          .isEqualTo("source public.events changed: column memo was dropped");
      assertThat(service.post("/api/v1/stream-tables/public.st_ev/refresh", "{}"))
          .contains("\"applied\"");
      awaitAllEqual(c, "st_ev", EV);
      // not retried in a loop, and not holding the slot back
      long rows = historyRows("st_sum");
      Lsn written = currentLsn(st);
      st.execute("UPDATE orders SET note = note WHERE id = 1");
      awaitConfirmedPast(st, written);
      assertThat(historyRows("st_sum")).as("no retries while in ERROR").isEqualTo(rows);
      assertThat(statusOf("st_sum")).isEqualTo("ERROR");

      // still invalid: the refresh fails with the same message, over HTTP and in SQL
      assertThat(service.post("/api/v1/stream-tables/public.st_sum/refresh", "{}"))
          .contains("source public.orders changed: column amount was renamed to amt");
      assertThat(sqlRefreshError("st_sum"))
          .contains("source public.orders changed: column amount was renamed to amt");
      assertThat(statusOf("st_sum")).isEqualTo("ERROR");

      // valid again: a refresh re-plans and fills it, then it is maintained
      st.execute("ALTER TABLE orders RENAME COLUMN amt TO amount");
      assertThat(service.post("/api/v1/stream-tables/public.st_sum/refresh", "{}"))
          .contains("\"applied\"");
      st.execute("ALTER TABLE orders ADD COLUMN extra int");
      CliRun cli = CliRun.of("refresh", "public.st_all", "--http", "127.0.0.1:" + service.port());
      assertThat(cli.code()).as(cli.err()).isZero();
      whileWriting(
          () -> {
            Thread.sleep(500);
          },
          "orders",
          "events");
      awaitAllEqual(c, "st_ids", IDS, "st_sum", SUM, "st_all", ALL, "st_ev", EV);
      assertThat(statusOf("st_sum")).isEqualTo("ACTIVE");
      assertThat(statusOf("st_all")).isEqualTo("ACTIVE");
      assertThat(
              db.queryLong(
                  "SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE stream_table ="
                      + " 'public.st_sum' AND mode = 'DIFFERENTIAL' AND started_at > (SELECT"
                      + " max(started_at) FROM pgtrickle.pgt_refresh_history WHERE stream_table"
                      + " = 'public.st_sum' AND reason_code = 'replanned')"))
          .as("maintained differentially after the refill")
          .isPositive();

      // a type change of a column two stream tables read
      whileWriting(
          () -> {
            Thread.sleep(200);
            st.execute("ALTER TABLE orders ALTER COLUMN amount TYPE bigint");
            Thread.sleep(400);
          },
          "orders",
          "events");
      awaitStatus("st_sum", "ERROR");
      awaitStatus("st_all", "ERROR");
      assertThat(errorOf("st_sum"))
          .isEqualTo(
              "source public.orders changed: column amount changed type from integer to bigint");
      awaitAllEqual(c, "st_ids", IDS, "st_ev", EV);
      try (ResultSet rs = st.executeQuery("SELECT pgtrickle.refresh_stream_table('st_sum')")) {
        rs.next();
      }
      assertThat(service.post("/api/v1/stream-tables/public.st_all/refresh", "{}"))
          .contains("\"applied\"");
      whileWriting(
          () -> {
            Thread.sleep(500);
          },
          "orders",
          "events");
      awaitAllEqual(c, "st_ids", IDS, "st_sum", SUM, "st_all", ALL, "st_ev", EV);
      assertThat(service.logTail()).doesNotContain("\tat dev.trickle");
    }
  }

  @Test
  void dropAndCreateAgain_takesItsStreamTablesToError_andRefreshFillsThemFromTheNewTable()
      throws Exception {
    db.execute(
        "CREATE TABLE cust (id int PRIMARY KEY, name text)",
        "INSERT INTO cust SELECT g, 'c' || g FROM generate_series(1, 100) g",
        "CREATE TABLE other (id int PRIMARY KEY, v int)",
        "INSERT INTO other SELECT g, g FROM generate_series(1, 50) g");
    String names = "SELECT id, name FROM cust";
    String count = "SELECT count(*) AS n FROM cust";
    String others = "SELECT id, v FROM other";
    Path config =
        PipelineFixture.writeConfig(
            db, "ddl_tables", yaml("st_c", names, "st_n", count, "st_o", others));
    try (ServiceProcess service = new ServiceProcess(config);
        Connection c = db.connect();
        Statement st = c.createStatement()) {
      service.start();
      awaitAllEqual(c, "st_c", names, "st_n", count, "st_o", others);

      // dropped: ERROR, even with nothing written afterwards
      st.execute("UPDATE cust SET name = name || 'x' WHERE id < 10");
      st.execute("DROP TABLE cust");
      st.execute("UPDATE other SET v = v + 1 WHERE id < 10");
      awaitStatus("st_c", "ERROR");
      awaitStatus("st_n", "ERROR");
      assertThat(errorOf("st_c")).isEqualTo("source public.cust was dropped");
      assertThat(service.post("/api/v1/stream-tables/public.st_c/refresh", "{}"))
          .contains("source public.cust was dropped");
      assertThat(Oracle.awaitEqual(c, "st_o", others, 20_000)).isZero();

      // created again with other rows, and written to: still ERROR, naming the table
      st.execute("CREATE TABLE cust (id int PRIMARY KEY, name text)");
      st.execute("INSERT INTO cust SELECT g, 'new' || g FROM generate_series(1, 30) g");
      Thread.sleep(1500);
      assertThat(statusOf("st_c")).isEqualTo("ERROR");
      assertThat(statusOf("st_n")).isEqualTo("ERROR");

      // refresh fills them from the new table; then they are maintained
      assertThat(service.post("/api/v1/stream-tables/public.st_c/refresh", "{}"))
          .contains("\"applied\"");
      assertThat(service.post("/api/v1/stream-tables/public.st_n/refresh", "{}"))
          .contains("\"applied\"");
      awaitAllEqual(c, "st_c", names, "st_n", count, "st_o", others);

      // dropped and created again in one go while written to: ERROR, never the new rows as old
      whileWriting(
          () -> {
            Thread.sleep(300);
            st.execute(
                "BEGIN; DROP TABLE cust; CREATE TABLE cust (id int PRIMARY KEY, name text);"
                    + " INSERT INTO cust VALUES (1, 'one'); COMMIT");
            Thread.sleep(300);
          },
          "cust");
      awaitStatus("st_c", "ERROR");
      awaitStatus("st_n", "ERROR");
      assertThat(errorOf("st_c")).isEqualTo("source public.cust was dropped and created again");
      assertThat(service.post("/api/v1/stream-tables/public.st_c/refresh", "{}"))
          .contains("\"applied\"");
      assertThat(service.post("/api/v1/stream-tables/public.st_n/refresh", "{}"))
          .contains("\"applied\"");
      st.execute("INSERT INTO cust SELECT g, 'again' || g FROM generate_series(2, 40) g");
      awaitAllEqual(c, "st_c", names, "st_n", count, "st_o", others);
      assertThat(service.logTail()).doesNotContain("\tat dev.trickle");
    }
  }

  // --- helpers ---

  private static void awaitAllEqual(Connection c, String... nameAndQuery) throws Exception {
    for (int i = 0; i < nameAndQuery.length; i += 2) {
      assertThat(Oracle.awaitEqual(c, nameAndQuery[i], nameAndQuery[i + 1], 30_000))
          .as(nameAndQuery[i] + " equals " + nameAndQuery[i + 1])
          .isZero();
    }
  }

  private static String statusOf(String name) throws SQLException {
    return db.queryRows(
            "SELECT status FROM pgtrickle.pgt_stream_tables WHERE pgt_name = '" + name + "'")
        .get(0)
        .get(0);
  }

  private static String errorOf(String name) throws SQLException {
    return db.queryRows(
            "SELECT last_error FROM pgtrickle.pgt_stream_tables WHERE pgt_name = '" + name + "'")
        .get(0)
        .get(0);
  }

  private static long historyRows(String name) throws SQLException {
    return db.queryLong(
        "SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE stream_table = 'public."
            + name
            + "'");
  }

  private static void awaitStatus(String name, String wanted) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    while (!wanted.equals(statusOf(name)) && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(statusOf(name)).as(name + " (" + errorOf(name) + ")").isEqualTo(wanted);
  }

  private static String sqlRefreshError(String name) throws SQLException {
    try (Connection c = db.connect();
        Statement s = c.createStatement()) {
      s.execute("SELECT pgtrickle.refresh_stream_table('" + name + "')");
      return "";
    } catch (SQLException e) {
      return e.getMessage();
    }
  }

  private static Lsn currentLsn(Statement st) throws SQLException {
    try (ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
      rs.next();
      return Lsn.parse(rs.getString(1));
    }
  }

  private static void awaitConfirmedPast(Statement st, Lsn written) throws Exception {
    long deadline = System.currentTimeMillis() + 15_000;
    Lsn confirmed = Lsn.ZERO;
    while (System.currentTimeMillis() < deadline) {
      try (ResultSet rs =
          st.executeQuery(
              "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name ="
                  + " 'ddl_cols'")) {
        rs.next();
        confirmed = Lsn.parse(rs.getString(1));
      }
      if (confirmed.isAfter(written)) {
        break;
      }
      Thread.sleep(100);
    }
    assertThat(confirmed)
        .as("the slot moves past changes of stream tables in ERROR")
        .isGreaterThan(written);
  }

  /**
   * Writes inserts, updates and deletes to the sources (only columns every schema of this test has)
   * until closed; statements that meet a DDL lock or a table just dropped are skipped.
   */
  /** Something done while the writer writes. */
  @FunctionalInterface
  private interface Step {
    void run() throws Exception;
  }

  /** Runs a step while a writer writes to the tables, then stops the writer. */
  private static void whileWriting(Step step, String... tables) throws Exception {
    Writer w = Writer.on(tables);
    try {
      step.run();
    } finally {
      w.close();
    }
  }

  private static final class Writer {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong writes = new AtomicLong();
    private final Thread thread;

    private Writer(String... tables) {
      thread = new Thread(() -> run(java.util.List.of(tables)), "ddl-writer");
    }

    static Writer on(String... tables) {
      Writer w = new Writer(tables);
      w.thread.start();
      return w;
    }

    private void run(java.util.List<String> tables) {
      ThreadLocalRandom r = ThreadLocalRandom.current();
      try (Connection c = db.connect();
          Statement s = c.createStatement()) {
        s.execute("SET lock_timeout = '2s'");
        while (!stop.get()) {
          String table = tables.get(r.nextInt(tables.size()));
          int id = 1000 + r.nextInt(400);
          String sql =
              switch (table) {
                case "orders" ->
                    switch (r.nextInt(3)) {
                      case 0 ->
                          "INSERT INTO orders (id, note) VALUES ("
                              + id
                              + ", 'w"
                              + r.nextInt(4)
                              + "') ON CONFLICT (id) DO UPDATE SET note = excluded.note";
                      case 1 ->
                          "UPDATE orders SET note = 'u"
                              + r.nextInt(4)
                              + "' WHERE id = "
                              + r.nextInt(1, 300);
                      default -> "DELETE FROM orders WHERE id = " + id;
                    };
                case "events" ->
                    r.nextBoolean()
                        ? "INSERT INTO events (kind, qty) VALUES ('k"
                            + r.nextInt(3)
                            + "', "
                            + id
                            + ")"
                        : "DELETE FROM events WHERE ctid = (SELECT ctid FROM events WHERE qty = "
                            + r.nextInt(1, 120)
                            + " LIMIT 1)";
                default ->
                    r.nextBoolean()
                        ? "INSERT INTO cust VALUES ("
                            + id
                            + ", 'w') ON CONFLICT (id) DO UPDATE SET name = excluded.name || 'u'"
                        : "DELETE FROM cust WHERE id = " + id;
              };
          try {
            s.execute(sql);
            writes.incrementAndGet();
          } catch (SQLException e) {
            // a DDL holds the table, or it was just dropped: the next statement goes on
          }
          Thread.sleep(3);
        }
      } catch (SQLException e) {
        throw new IllegalStateException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    void close() throws InterruptedException {
      stop.set(true);
      thread.join(10_000);
      assertThat(writes.get()).as("the writer wrote").isPositive();
    }
  }
}
