package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import dev.trickle.testing.ServiceProcess;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Fault F7: two service instances started on the same pipeline. Exactly one streams and refreshes;
 * the other answers {@code /readyz} with 503 and why, and its admin API refuses; when the first is
 * killed ({@code kill -9}) under writes, the second takes over, and every stream table equals its
 * query.
 */
final class TwoInstancesIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  static final String QUERY = "SELECT id, v FROM duo WHERE v % 2 = 0";
  static final String ROWS = "SELECT tag FROM duo_log";

  @Test
  void theSecondInstanceStandsBy_andTakesOverWhenTheFirstDies() throws Exception {
    db.execute(
        "CREATE TABLE duo (id int PRIMARY KEY, v int)",
        "CREATE TABLE duo_log (tag text)",
        "INSERT INTO duo SELECT g, g FROM generate_series(1, 300) g");
    Path config =
        PipelineFixture.writeConfig(
            db,
            "duo",
            "stream_tables:\n  - name: st_duo\n    query: "
                + QUERY
                + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n"
                + "  - name: st_duo_log\n    query: "
                + ROWS
                + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n");
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicLong written = new AtomicLong();
    Thread writer =
        new Thread(
            () -> {
              try (Connection c = db.connect();
                  Statement st = c.createStatement()) {
                for (int i = 0; writing.get(); i++) {
                  st.execute("UPDATE duo SET v = v + 1 WHERE id = " + (1 + i % 300));
                  st.execute("INSERT INTO duo_log VALUES ('t" + i % 7 + "')");
                  written.incrementAndGet();
                  Thread.sleep(3);
                }
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            });
    try (ServiceProcess first = new ServiceProcess(config);
        ServiceProcess second = new ServiceProcess(config);
        Connection c = db.connect();
        Statement st = c.createStatement()) {
      first.start();
      writer.start();
      second.startAnswering();
      Thread.sleep(1500);
      assertThat(second.status("/readyz")).as("the second instance is not ready").isEqualTo(503);
      assertThat(second.get("/readyz")).contains("standing by").contains("streams slot duo");
      assertThat(second.status("/api/v1/stream-tables")).isEqualTo(503);
      assertThat(first.status("/readyz")).isEqualTo(200);
      assertThat(second.logTail()).doesNotContain("pipeline started");
      assertThat(activeSlots(st)).as("one instance streams").isEqualTo(1);

      first.kill9();
      long deadline = System.currentTimeMillis() + 60_000;
      while (second.status("/readyz") != 200 && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      assertThat(second.status("/readyz")).as(second.logTail()).isEqualTo(200);
      Thread.sleep(500);
      writing.set(false);
      writer.join();
      assertThat(Oracle.awaitEqual(c, "st_duo", QUERY, 30_000)).as(second.logTail()).isZero();
      assertThat(Oracle.awaitEqual(c, "st_duo_log", ROWS, 30_000)).as(second.logTail()).isZero();
      assertThat(second.logTail()).contains("took over slot duo");
      assertThat(written.get()).isGreaterThan(100);
      assertThat(second.terminate()).as("SIGTERM exits 0").isZero();
    }
  }

  private static long activeSlots(Statement st) throws Exception {
    try (ResultSet rs =
        st.executeQuery(
            "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'duo' AND active")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
