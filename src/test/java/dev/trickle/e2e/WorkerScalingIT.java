package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import java.sql.Connection;
import java.sql.Statement;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The refresh worker pool follows backpressure, within what the waiting stream tables may use, and
 * a lagging stream table adds a worker (seed QW-8's third remediation). Refreshes are slowed for
 * real by a statement trigger on the stream tables' storage that sleeps; how many ran at once is
 * read from the refresh history's start and finish times.
 */
final class WorkerScalingIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  /** The most refreshes of these stream tables that ran at once, after refresh {@code after}. */
  private static long maxConcurrentRefreshes(List<String> streamTables, long after)
      throws Exception {
    String h =
        "(SELECT started_at, finished_at FROM pgtrickle.pgt_refresh_history WHERE mode <> 'NONE'"
            + " AND refresh_id > "
            + after
            + " AND stream_table IN ('public."
            + String.join("', 'public.", streamTables)
            + "'))";
    return db.queryLong(
        "SELECT coalesce(max((SELECT count(*) FROM "
            + h
            + " h2 WHERE h2.started_at <= h1.started_at AND h2.finished_at > h1.started_at)), 0)"
            + " FROM "
            + h
            + " h1");
  }

  private static long lastRefreshId() throws Exception {
    return db.queryLong("SELECT coalesce(max(refresh_id), 0) FROM pgtrickle.pgt_refresh_history");
  }

  private static void slowDown(Statement st, String table, double seconds) throws Exception {
    st.execute(
        "CREATE OR REPLACE FUNCTION slow_"
            + table
            + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep("
            + seconds
            + "); RETURN NULL; END $$");
    st.execute(
        "CREATE TRIGGER slow BEFORE INSERT OR UPDATE OR DELETE ON "
            + table
            + " FOR EACH STATEMENT EXECUTE FUNCTION slow_"
            + table
            + "()");
  }

  private static double metric(PipelineFixture p, String name) {
    Matcher m =
        Pattern.compile("(?m)^" + name + "(\\{[^}]*\\})? (\\S+)$").matcher(p.metrics().scrape());
    assertThat(m.find()).as(name).isTrue();
    return Double.parseDouble(m.group(2));
  }

  @Test
  void aLaggingStreamTableAddsAWorker_andBothStreamTablesCatchUp() throws Exception {
    db.execute(
        "CREATE TABLE slow_src (id int PRIMARY KEY, v int)",
        "CREATE TABLE fast_src (id int PRIMARY KEY, v int)",
        "INSERT INTO slow_src SELECT g, g FROM generate_series(1, 20) g",
        "INSERT INTO fast_src SELECT g, g FROM generate_series(1, 20) g");
    String slow = "SELECT id, v FROM slow_src";
    String fast = "SELECT id, v FROM fast_src";
    // growth by backpressure is switched off: only the lag remediation can add a worker
    String yaml =
        "settings:\n  scheduler:\n    max_workers: 2\n    min_workers: 1\n"
            + "    scale_up_after: 1h\n    scale_down_after: 1h\n"
            + "stream_tables:\n"
            + "  - {name: st_slow, query: \""
            + slow
            + "\", schedule: 100ms, refresh_mode: DIFFERENTIAL}\n"
            + "  - {name: st_fast, query: \""
            + fast
            + "\", schedule: 100ms, refresh_mode: DIFFERENTIAL}\n";
    try (Connection c = db.connect();
        Statement st = c.createStatement();
        PipelineFixture p = PipelineFixture.start(PipelineFixture.writeConfig(db, "lag", yaml))) {
      assertThat(Oracle.awaitEqual(c, "st_slow", slow, 20_000)).isZero();
      assertThat(Oracle.awaitEqual(c, "st_fast", fast, 20_000)).isZero();
      assertThat(metric(p, "pg_trickle_workers_target")).isEqualTo(1);
      long before = lastRefreshId();
      slowDown(st, "st_slow", 2);
      st.execute("UPDATE slow_src SET v = v + 1 WHERE id <= 5");
      Thread.sleep(200);
      st.execute("UPDATE fast_src SET v = v + 1 WHERE id <= 5");
      assertThat(Oracle.awaitEqual(c, "st_fast", fast, 20_000)).isZero();
      assertThat(Oracle.awaitEqual(c, "st_slow", slow, 20_000)).isZero();

      List<List<String>> rows =
          db.queryRows(
              "SELECT status, error FROM pgtrickle.pgt_refresh_history WHERE reason_code ="
                  + " 'lag_worker_added'");
      assertThat(rows).hasSize(1);
      assertThat(rows.get(0).get(0)).isEqualTo("REMEDIATED");
      assertThat(rows.get(0).get(1)).matches("workers 1 -> 2 \\(lag \\d+ms > 5 x 100ms\\)");
      assertThat(metric(p, "pg_trickle_workers_target")).isEqualTo(2);
      assertThat(maxConcurrentRefreshes(List.of("st_slow", "st_fast"), before))
          .as("st_fast refreshed on the added worker while st_slow's refresh ran")
          .isEqualTo(2);
    }
  }

  @Test
  void backpressureGrowsThePool_onlyAsFarAsTheWaitingStreamTablesMayUse() throws Exception {
    List<String> names = List.of("w1", "w2", "w3", "w4");
    String body =
        """
        settings:
          scheduler:
            max_workers: 3
            scale_up_after: 50ms
            scale_down_after: 500ms
        stream_tables:
        """;
    for (String n : names) {
      db.execute(
          "CREATE TABLE " + n + "_src (id int PRIMARY KEY, v int)",
          "INSERT INTO " + n + "_src SELECT g, g FROM generate_series(1, 10) g");
    }
    for (String workers : List.of("1", "max")) {
      StringBuilder yaml = new StringBuilder(body);
      for (String n : names) {
        yaml.append("  - {name: ")
            .append(n)
            .append(", query: \"SELECT id, v FROM ")
            .append(n)
            .append("_src\", schedule: 50ms, refresh_mode: DIFFERENTIAL, workers: ")
            .append(workers)
            .append("}\n");
      }
      try (Connection c = db.connect();
          Statement st = c.createStatement();
          PipelineFixture p =
              PipelineFixture.start(PipelineFixture.writeConfig(db, "pressure", yaml.toString()))) {
        for (String n : names) {
          assertThat(Oracle.awaitEqual(c, n, "SELECT id, v FROM " + n + "_src", 20_000)).isZero();
          if (workers.equals("1")) {
            slowDown(st, n, 0.3);
          }
        }
        long before = lastRefreshId();
        for (int round = 0; round < 3; round++) {
          for (String n : names) {
            st.execute("UPDATE " + n + "_src SET v = v + 1 WHERE id = " + (round + 1));
          }
          for (String n : names) {
            assertThat(Oracle.awaitEqual(c, n, "SELECT id, v FROM " + n + "_src", 20_000)).isZero();
          }
        }
        long concurrent = maxConcurrentRefreshes(names, before);
        if (workers.equals("1")) {
          assertThat(concurrent).as("stream tables of one worker each").isEqualTo(1);
          assertThat(metric(p, "pg_trickle_workers_target")).isEqualTo(1);
        } else {
          assertThat(concurrent).as("the pool grew under backpressure").isBetween(2L, 3L);
          long deadline = System.currentTimeMillis() + 10_000;
          while (metric(p, "pg_trickle_workers_target") > 1
              && System.currentTimeMillis() < deadline) {
            Thread.sleep(50);
          }
          assertThat(metric(p, "pg_trickle_workers_target")).as("shrunk when idle").isEqualTo(1);
        }
        assertThat(metric(p, "pg_trickle_refresh_queue_depth")).isZero();
      }
    }
  }
}
