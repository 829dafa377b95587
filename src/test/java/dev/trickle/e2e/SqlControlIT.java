package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.model.UserError;
import dev.trickle.service.StreamTableRequest;
import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import dev.trickle.testing.SqlErrors;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * pg_trickle's control functions against a running service: a script that creates, alters,
 * refreshes and drops stream tables in SQL, with the stream tables equal to their queries
 * throughout; bad calls raise the API's message and leave nothing; rolled-back calls change
 * nothing; stream tables created in SQL survive a restart.
 */
final class SqlControlIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  private static final String BIG = "SELECT id, customer, amount FROM orders WHERE amount > 100";
  private static final String BY_CUSTOMER =
      "SELECT customer, sum(amount) AS total, count(*) AS n FROM orders GROUP BY customer";

  private static void sql(Connection c, String... statements) throws SQLException {
    try (Statement s = c.createStatement()) {
      for (String q : statements) {
        s.execute(q);
      }
    }
  }

  private static long rows(String where) throws SQLException {
    return db.queryLong("SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE " + where);
  }

  private static boolean tableExists(String name) throws SQLException {
    return db.queryLong("SELECT count(*) FROM pg_class WHERE relname = '" + name + "'") > 0;
  }

  @Test
  void aPgTrickleScript_createsAltersRefreshesAndDrops_andTheStreamTablesEqualTheirQueries()
      throws Exception {
    db.execute(
        "CREATE TABLE orders (id int PRIMARY KEY, customer text NOT NULL, amount int NOT NULL)",
        "INSERT INTO orders SELECT g, 'c' || (g % 7), g * 3 FROM generate_series(1, 200) g");
    Path config = PipelineFixture.writeConfig(db, "sqlctl", "stream_tables: []\n");
    try (PipelineFixture p = PipelineFixture.start(config);
        Connection c = db.connect()) {
      sql(
          c,
          "SELECT pgtrickle.create_stream_table('big_orders', '" + BIG + "', '1s', 'DIFFERENTIAL')",
          "SELECT pgtrickle.create_stream_table('by_customer', '"
              + BY_CUSTOMER
              + "', preset => 'real-time')");
      // when create_stream_table returns, the stream table exists and is filled
      assertThat(Oracle.difference(c, "big_orders", BIG)).isZero();
      assertThat(Oracle.difference(c, "by_customer", BY_CUSTOMER)).isZero();
      assertThat(
              db.queryRows(
                  "SELECT pgt_name, schedule_ms, refresh_mode, coalesce(preset, ''), origin FROM"
                      + " pgtrickle.pgt_stream_tables WHERE pgt_name IN ('big_orders', 'by_customer')"
                      + " ORDER BY pgt_name"))
          .containsExactly(
              java.util.List.of("big_orders", "1000", "DIFFERENTIAL", "", "sql"),
              java.util.List.of("by_customer", "1000", "DIFFERENTIAL", "real-time", "sql"));

      // from then on maintained
      sql(
          c,
          "UPDATE orders SET amount = amount + 50 WHERE id % 5 = 0",
          "DELETE FROM orders WHERE id % 11 = 0",
          "INSERT INTO orders SELECT g, 'c' || (g % 3), g FROM generate_series(201, 260) g");
      assertThat(Oracle.awaitEqual(c, "big_orders", BIG, 20_000)).isZero();
      assertThat(Oracle.awaitEqual(c, "by_customer", BY_CUSTOMER, 20_000)).isZero();

      // alter: the new schedule and mode, still maintained
      sql(
          c,
          "SELECT pgtrickle.alter_stream_table('big_orders', schedule => '200ms', refresh_mode => 'FULL')");
      assertThat(
              db.queryRows(
                  "SELECT schedule_ms, refresh_mode FROM pgtrickle.pgt_stream_tables WHERE"
                      + " pgt_name = 'big_orders'"))
          .containsExactly(java.util.List.of("200", "FULL"));
      sql(c, "UPDATE orders SET amount = amount * 2 WHERE id < 40");
      assertThat(Oracle.awaitEqual(c, "big_orders", BIG, 20_000)).isZero();
      long deadline = System.currentTimeMillis() + 10_000;
      while (p.pipeline().streamTables().stream()
              .noneMatch(
                  t -> t.name().name().equals("big_orders") && t.schedule().toMillis() == 200)
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      assertThat(p.pipeline().streamTables())
          .anySatisfy(
              t -> {
                assertThat(t.name().name()).isEqualTo("big_orders");
                assertThat(t.schedule().toMillis()).isEqualTo(200);
                assertThat(t.mode().name()).isEqualTo("FULL");
              });

      // suspend and resume: not maintained while suspended, filled anew when active again
      sql(c, "SELECT pgtrickle.alter_stream_table('big_orders', status => 'suspended')");
      assertThat(rows("pgt_name = 'big_orders' AND status = 'SUSPENDED'")).isEqualTo(1);
      assertThat(Oracle.difference(c, "big_orders", BIG)).isZero();
      sql(c, "UPDATE orders SET amount = 1000 WHERE id IN (3, 4, 5)");
      Thread.sleep(600); // three of its 200 ms schedules
      assertThat(Oracle.difference(c, "big_orders", BIG)).as("not maintained").isPositive();
      assertThat(
              SqlErrors.errorOf(
                  c, "SELECT pgtrickle.alter_stream_table('big_orders', status => 'paused')"))
          .isEqualTo(
              "stream table public.big_orders: status: \"paused\" is not ACTIVE or SUSPENDED");
      sql(c, "SELECT pgtrickle.alter_stream_table('big_orders', status => 'ACTIVE')");
      assertThat(Oracle.awaitEqual(c, "big_orders", BIG, 20_000)).isZero();
      assertThat(rows("pgt_name = 'big_orders' AND status = 'ACTIVE'")).isEqualTo(1);

      // only the schedule: changed in place at commit, no refill, nothing after a rollback
      long fills =
          db.queryLong(
              "SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE stream_table ="
                  + " 'public.by_customer' AND mode = 'FULL'");
      c.setAutoCommit(false);
      sql(c, "SELECT pgtrickle.alter_stream_table('by_customer', schedule => '5m')");
      c.rollback();
      c.setAutoCommit(true);
      sql(c, "SELECT pgtrickle.alter_stream_table('by_customer', schedule => '300ms')");
      assertThat(
              db.queryRows(
                  "SELECT schedule_ms, frontier IS NOT NULL FROM pgtrickle.pgt_stream_tables WHERE"
                      + " pgt_name = 'by_customer'"))
          .containsExactly(java.util.List.of("300", "t"));
      deadline = System.currentTimeMillis() + 10_000;
      while (p.pipeline().streamTables().stream()
              .noneMatch(
                  t -> t.name().name().equals("by_customer") && t.schedule().toMillis() == 300)
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      assertThat(p.pipeline().streamTables())
          .anySatisfy(
              t -> {
                assertThat(t.name().name()).isEqualTo("by_customer");
                assertThat(t.schedule().toMillis()).isEqualTo(300);
              });
      sql(c, "UPDATE orders SET amount = amount + 1 WHERE id % 3 = 0");
      assertThat(Oracle.awaitEqual(c, "by_customer", BY_CUSTOMER, 20_000)).isZero();
      assertThat(
              db.queryLong(
                  "SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE stream_table ="
                      + " 'public.by_customer' AND mode = 'FULL'"))
          .as("no refill")
          .isEqualTo(fills);

      // refresh and drop
      sql(
          c,
          "INSERT INTO orders VALUES (1000, 'z', 5)",
          "SELECT pgtrickle.refresh_stream_table('by_customer')");
      assertThat(Oracle.difference(c, "by_customer", BY_CUSTOMER)).isZero();
      sql(c, "SELECT pgtrickle.drop_stream_table('big_orders')");
      assertThat(tableExists("big_orders")).isFalse();
      assertThat(rows("pgt_name = 'big_orders'")).isZero();
      deadline = System.currentTimeMillis() + 10_000;
      while (p.pipeline().streamTables().size() != 1 && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      assertThat(p.pipeline().streamTables())
          .extracting(t -> t.name().name())
          .containsExactly("by_customer");
    }
    // created in SQL, remembered: after a restart still maintained
    try (PipelineFixture p = PipelineFixture.start(config);
        Connection c = db.connect()) {
      assertThat(p.pipeline().streamTables())
          .extracting(t -> t.name().name())
          .containsExactly("by_customer");
      sql(c, "UPDATE orders SET customer = 'moved' WHERE id % 4 = 0");
      assertThat(Oracle.awaitEqual(c, "by_customer", BY_CUSTOMER, 20_000)).isZero();
    }
  }

  @Test
  void badCallsRaiseTheApisMessage_andRolledBackCallsChangeNothing() throws Exception {
    db.execute(
        "CREATE TABLE items (id int PRIMARY KEY, v int)",
        "INSERT INTO items SELECT g, g FROM generate_series(1, 30) g");
    String query = "SELECT id, v FROM items";
    try (PipelineFixture p =
            PipelineFixture.start(
                PipelineFixture.writeConfig(db, "sqlbad", "stream_tables: []\n"));
        Connection c = db.connect()) {
      long before = rows("true");
      // the messages the HTTP API (and so the CLI) gives for the same request
      String badPreset =
          userError(
              () ->
                  StreamTableRequest.parse(
                      "st_x",
                      query,
                      null,
                      null,
                      "turbo",
                      null,
                      null,
                      java.time.Duration.ofSeconds(1)));
      assertThat(
              SqlErrors.errorOf(
                  c,
                  "SELECT pgtrickle.create_stream_table('st_x', '"
                      + query
                      + "', preset => 'turbo')"))
          .isEqualTo(badPreset)
          .contains("turbo");
      String badQuery =
          userError(
              () -> {
                try {
                  p.pipeline()
                      .admin()
                      .create(
                          StreamTableRequest.parse(
                              "st_x",
                              "SELECT nope FROM items",
                              "1m",
                              "DIFFERENTIAL",
                              null,
                              null,
                              null,
                              java.time.Duration.ofSeconds(1)));
                } catch (UserError e) {
                  throw e;
                } catch (Exception e) {
                  throw new AssertionError(e);
                }
              });
      assertThat(
              SqlErrors.errorOf(
                  c, "SELECT pgtrickle.create_stream_table('st_x', 'SELECT nope FROM items')"))
          .isEqualTo(badQuery)
          .startsWith("stream table public.st_x: ")
          .contains("nope");
      assertThat(SqlErrors.errorOf(c, "SELECT pgtrickle.drop_stream_table('st_none')"))
          .isEqualTo("stream table public.st_none does not exist in this pipeline");
      assertThat(
              SqlErrors.errorOf(
                  c, "SELECT pgtrickle.alter_stream_table('st_none', schedule => '1s')"))
          .isEqualTo("stream table public.st_none does not exist in this pipeline");
      assertThat(rows("true")).isEqualTo(before);
      assertThat(tableExists("st_x")).isFalse();

      // written earlier in the same transaction, a source that needs REPLICA IDENTITY FULL is
      // locked by the caller: a clear error, not a wait for ever
      db.execute("CREATE TABLE nokey (a int, b int)");
      c.setAutoCommit(false);
      sql(c, "INSERT INTO nokey VALUES (1, 2)");
      assertThat(
              SqlErrors.errorOf(
                  c, "SELECT pgtrickle.create_stream_table('st_nokey', 'SELECT a, b FROM nokey')"))
          .contains("need REPLICA IDENTITY FULL", "create the stream table before writing");
      c.rollback();
      c.setAutoCommit(true);
      assertThat(tableExists("st_nokey")).isFalse();

      // a rolled-back create leaves nothing, and the service takes nothing up
      c.setAutoCommit(false);
      sql(c, "SELECT pgtrickle.create_stream_table('st_rb', '" + query + "')");
      // filled, inside the transaction (Oracle would roll it back)
      try (Statement s = c.createStatement();
          java.sql.ResultSet rs =
              s.executeQuery(
                  "SELECT count(*) FROM (SELECT id, v FROM st_rb EXCEPT SELECT id, v FROM items) d")) {
        rs.next();
        assertThat(rs.getLong(1)).isZero();
      }
      assertThat(db.queryLong("SELECT count(*) FROM items")).isEqualTo(30);
      c.rollback();
      c.setAutoCommit(true);
      assertThat(tableExists("st_rb")).isFalse();
      assertThat(rows("pgt_name = 'st_rb'")).isZero();

      // a rolled-back drop leaves the stream table maintained
      sql(c, "SELECT pgtrickle.create_stream_table('st_keep', '" + query + "', '100ms')");
      c.setAutoCommit(false);
      sql(c, "SELECT pgtrickle.drop_stream_table('st_keep')");
      c.rollback();
      c.setAutoCommit(true);
      sql(c, "UPDATE items SET v = v + 100 WHERE id <= 10", "DELETE FROM items WHERE id = 30");
      assertThat(Oracle.awaitEqual(c, "st_keep", query, 20_000)).isZero();
      assertThat(rows("pgt_name = 'st_keep'")).isEqualTo(1);
      // a stream table read by another is not dropped
      sql(
          c,
          "SELECT pgtrickle.create_stream_table('st_reader', 'SELECT count(*) AS n FROM st_keep', '100ms')");
      long deadline = System.currentTimeMillis() + 10_000;
      while (p.pipeline().streamTables().size() < 2 && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      assertThat(SqlErrors.errorOf(c, "SELECT pgtrickle.drop_stream_table('st_keep')"))
          .isEqualTo("stream table public.st_keep is read by public.st_reader; drop those first");
      sql(c, "INSERT INTO items VALUES (31, 31)");
      assertThat(Oracle.awaitEqual(c, "st_reader", "SELECT count(*) AS n FROM items", 20_000))
          .isZero();
    }
  }

  @Test
  void callsWhileTheServiceIsDown_areQueued_andDoneInOrderWhenItStarts() throws Exception {
    db.execute(
        "CREATE TABLE q_src (id int PRIMARY KEY, v int)",
        "INSERT INTO q_src SELECT g, g FROM generate_series(1, 40) g");
    String query = "SELECT id, v FROM q_src WHERE v % 2 = 0";
    Path config = PipelineFixture.writeConfig(db, "sqlq", "stream_tables: []\n");
    try (PipelineFixture p = PipelineFixture.start(config);
        Connection c = db.connect()) {
      sql(
          c,
          "SELECT pgtrickle.create_stream_table('q_old', '" + query + "', '100ms')",
          "SELECT pgtrickle.create_stream_table('q_alter', '" + query + "', '100ms')");
      long deadline = System.currentTimeMillis() + 10_000;
      while (p.pipeline().streamTables().size() < 2 && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      assertThat(p.pipeline().streamTables()).hasSize(2);
    }
    long queuedBefore = db.queryLong("SELECT count(*) FROM pgtrickle.pgt_queued_calls");
    try (Connection c = db.connect()) {
      sql(
          c,
          "SELECT pgtrickle.create_stream_table('q_new', '" + query + "', '100ms')",
          "SELECT pgtrickle.alter_stream_table('q_alter', schedule => '300ms', refresh_mode =>"
              + " 'FULL')",
          "SELECT pgtrickle.drop_stream_table('q_old')",
          "SELECT pgtrickle.create_stream_table('q_bad', 'SELECT nope FROM q_src')");
      c.setAutoCommit(false);
      sql(c, "SELECT pgtrickle.create_stream_table('q_rolled_back', '" + query + "')");
      c.rollback();
      c.setAutoCommit(true);
      sql(c, "UPDATE q_src SET v = v + 1 WHERE id <= 10");
    }
    assertThat(db.queryLong("SELECT count(*) FROM pgtrickle.pgt_queued_calls"))
        .isEqualTo(queuedBefore + 4);
    assertThat(tableExists("q_new")).isFalse();
    try (PipelineFixture p = PipelineFixture.start(config);
        Connection c = db.connect()) {
      assertThat(p.pipeline().isReady()).isTrue();
      long deadline = System.currentTimeMillis() + 30_000;
      while (db.queryLong("SELECT count(*) FROM pgtrickle.pgt_queued_calls WHERE error IS NULL") > 0
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertThat(db.queryRows("SELECT op, args ->> 'name', error FROM pgtrickle.pgt_queued_calls"))
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.get(0)).isEqualTo("create_stream_table");
                assertThat(r.get(1)).isEqualTo("q_bad");
                assertThat(r.get(2)).startsWith("stream table public.q_bad: ").contains("nope");
              });
      assertThat(tableExists("q_old")).isFalse();
      assertThat(tableExists("q_rolled_back")).isFalse();
      assertThat(rows("pgt_name IN ('q_old', 'q_bad', 'q_rolled_back')")).isZero();
      assertThat(
              db.queryRows(
                  "SELECT pgt_name, schedule_ms, origin FROM pgtrickle.pgt_stream_tables WHERE"
                      + " pgt_name IN ('q_new', 'q_alter') ORDER BY pgt_name"))
          .containsExactly(
              java.util.List.of("q_alter", "300", "sql"), java.util.List.of("q_new", "100", "sql"));
      assertThat(
              db.queryRows(
                  "SELECT refresh_mode, strategy FROM pgtrickle.pgt_stream_tables WHERE pgt_name ="
                      + " 'q_alter'"))
          .containsExactly(java.util.List.of("FULL", "FULL_ONLY"));
      sql(c, "DELETE FROM q_src WHERE id > 35", "INSERT INTO q_src VALUES (100, 100)");
      assertThat(Oracle.awaitEqual(c, "q_new", query, 20_000)).isZero();
      assertThat(Oracle.awaitEqual(c, "q_alter", query, 20_000)).isZero();
    }
  }

  private static String userError(Runnable r) {
    try {
      r.run();
    } catch (UserError e) {
      return e.getMessage();
    }
    throw new AssertionError("no user error");
  }
}
