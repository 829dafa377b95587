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

  /**
   * The connection holding the first instance's lock breaks (its server process is terminated, as a
   * network cut would end it) while the process lives on: the lock goes with it. Either the first
   * takes the lock again, or, when the second took it first, the first stops (exit 1, saying why)
   * and the second streams. Never both, and nothing is lost.
   */
  @Test
  void theLockConnectionBreaks_andOneInstanceStreamsAfterwards() throws Exception {
    db.execute(
        "CREATE TABLE pair (id int PRIMARY KEY, v int)",
        "INSERT INTO pair SELECT g, g FROM generate_series(1, 200) g");
    String query = "SELECT id, v FROM pair WHERE v % 3 <> 0";
    Path config =
        PipelineFixture.writeConfig(
            db,
            "pair",
            "stream_tables:\n  - name: st_pair\n    query: "
                + query
                + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n");
    AtomicBoolean writing = new AtomicBoolean(true);
    Thread writer =
        new Thread(
            () -> {
              try (Connection c = db.connect();
                  Statement st = c.createStatement()) {
                for (int i = 0; writing.get(); i++) {
                  st.execute("UPDATE pair SET v = v + 1 WHERE id = " + (1 + i % 200));
                  Thread.sleep(5);
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
      Thread.sleep(1000);
      assertThat(second.get("/readyz")).contains("standing by");
      try (ResultSet rs =
          st.executeQuery(
              "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_locks WHERE"
                  + " locktype = 'advisory' AND granted AND classid = "
                  + LOCK_CLASS
                  + "::bigint::oid AND objid = (hashtext('pair')::bigint & 4294967295)::oid")) {
        rs.next();
        assertThat(rs.getLong(1)).as("the lock's session ended").isEqualTo(1);
      }
      long deadline = System.currentTimeMillis() + 30_000;
      boolean retaken = false;
      boolean handedOver = false;
      while (!retaken && !handedOver && System.currentTimeMillis() < deadline) {
        Thread.sleep(200);
        retaken =
            java.nio.file.Files.readString(first.logFile().toPath())
                .contains("took the lock again");
        handedOver =
            first.awaitExit(java.time.Duration.ZERO).isPresent() && second.status("/readyz") == 200;
      }
      assertThat(retaken || handedOver)
          .as("first:\n%s\nsecond:\n%s", first.logTail(), second.logTail())
          .isTrue();
      if (handedOver) {
        assertThat(first.awaitExit(java.time.Duration.ZERO)).hasValue(1);
        assertThat(java.nio.file.Files.readString(first.logFile().toPath()))
            .contains("holds it now")
            .contains(
                "trickle: stopped: this instance's connection holding slot pair's lock broke");
      } else {
        assertThat(second.get("/readyz")).contains("standing by");
      }
      writing.set(false);
      writer.join();
      assertThat(Oracle.awaitEqual(c, "st_pair", query, 30_000)).isZero();
      assertThat(activeSlots(st, "pair")).as("one instance streams").isEqualTo(1);
    }
  }

  /** Trickle's advisory lock class ({@code 'trkl'}). */
  static final long LOCK_CLASS = 0x74726b6cL;

  private static long activeSlots(Statement st) throws Exception {
    return activeSlots(st, "duo");
  }

  private static long activeSlots(Statement st, String slot) throws Exception {
    try (ResultSet rs =
        st.executeQuery(
            "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '"
                + slot
                + "' AND active")) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
