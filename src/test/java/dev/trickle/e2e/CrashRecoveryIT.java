package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PgServer;
import dev.trickle.testing.PipelineFixture;
import dev.trickle.testing.RandomWrites;
import dev.trickle.testing.ServiceProcess;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Crashes: the service killed with SIGKILL at random moments under a write workload, PostgreSQL
 * crash-restarted while streaming, and the server ending the replication connection (its walsender
 * terminated) again and again under writes. Afterwards nothing is lost and nothing applied twice:
 * the keyed stream table and the duplicate-counting one (no key: a double application would add
 * copies) both equal their queries.
 */
final class CrashRecoveryIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  static final String KEYED = "SELECT id, v, w FROM items WHERE v % 3 <> 0";
  static final String DUPS = "SELECT tag, v FROM ticks WHERE v > 1";

  private static Path config;

  @BeforeAll
  static void schema() throws Exception {
    db.execute(
        "CREATE TABLE items (id int PRIMARY KEY, v int, w text)",
        "CREATE TABLE ticks (tag text, v int)",
        "INSERT INTO items SELECT g, g, 'w' FROM generate_series(1, 500) g");
    config =
        PipelineFixture.writeConfig(
            db,
            "crash",
            "stream_tables:\n"
                + "  - name: st_items\n    query: "
                + KEYED
                + "\n    schedule: 100ms\n    refresh_mode: DIFFERENTIAL\n"
                + "  - name: st_ticks\n    query: "
                + DUPS
                + "\n    schedule: 150ms\n    refresh_mode: DIFFERENTIAL\n");
  }

  /** Kills in the random-moment test: 10 in the build, 100 in the nightly profile. */
  static final int KILLS = Integer.getInteger("trickle.test.kill9.rounds", 10);

  @Test
  @Timeout(value = 60, unit = TimeUnit.MINUTES) // the nightly profile's 100 kills
  void kill9AtRandomMoments_losesNothingAndAppliesNothingTwice() throws Exception {
    SplittableRandom rnd = new SplittableRandom(7);
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicLong written = new AtomicLong();
    Thread writer = new Thread(() -> write(writing, written));
    try (ServiceProcess service = new ServiceProcess(config)) {
      service.start();
      writer.start();
      for (int round = 0; round < KILLS; round++) {
        Thread.sleep(200 + rnd.nextInt(1200));
        service.kill9();
        Thread.sleep(rnd.nextInt(300));
        service.start();
      }
      writing.set(false);
      writer.join();
      try (Connection c = db.connect()) {
        assertThat(Oracle.awaitEqual(c, "st_items", KEYED, 30_000)).as(service.logTail()).isZero();
        assertThat(Oracle.awaitEqual(c, "st_ticks", DUPS, 30_000)).as(service.logTail()).isZero();
      }
      assertThat(written.get()).isGreaterThan(50);
      assertThat(service.terminate()).as("SIGTERM exits 0").isZero();
    }
  }

  @Test
  void postgresCrashRestartWhileStreaming_isSurvived() throws Exception {
    Assumptions.assumeTrue(PgServer.get().canRestart(), "needs a server the tests started");
    try (PipelineFixture pipeline = PipelineFixture.start(config)) {
      try (Connection c = db.connect();
          Statement st = c.createStatement()) {
        st.execute("INSERT INTO ticks SELECT 'before', g % 5 FROM generate_series(1, 200) g");
      }
      PgServer.get().crashRestart();
      try (Connection c = db.connect();
          Statement st = c.createStatement()) {
        st.execute("INSERT INTO ticks SELECT 'after', g % 5 FROM generate_series(1, 200) g");
        st.execute("UPDATE items SET v = v + 1 WHERE id <= 100");
        assertThat(Oracle.awaitEqual(c, "st_items", KEYED, 60_000)).isZero();
        assertThat(Oracle.awaitEqual(c, "st_ticks", DUPS, 60_000)).isZero();
        try (ResultSet rs = st.executeQuery("SELECT count(*) FROM st_ticks WHERE tag = 'after'")) {
          rs.next();
          assertThat(rs.getLong(1)).isEqualTo(120);
        }
      }
      assertThat(pipeline.pipeline().isReady()).isTrue();
    }
  }

  @Test
  void postgresCrashesRightAfterRefreshes_loseNothingAndApplyNothingTwice() throws Exception {
    Assumptions.assumeTrue(PgServer.get().canRestart(), "needs a server the tests started");
    SplittableRandom rnd = new SplittableRandom(13);
    try (PipelineFixture pipeline = PipelineFixture.start(config)) {
      for (int round = 0; round < 5; round++) {
        try (Connection c = db.connect();
            Statement st = c.createStatement()) {
          st.execute(
              "INSERT INTO ticks SELECT 'r" + round + "', g % 6 FROM generate_series(1, 40) g");
          st.execute("UPDATE items SET v = v + 1 WHERE id % 7 = " + round);
        }
        // crash while the refreshes of these writes are committing or have just committed
        Thread.sleep(50 + rnd.nextInt(250));
        PgServer.get().crashRestart();
      }
      try (Connection c = db.connect()) {
        assertThat(Oracle.awaitEqual(c, "st_items", KEYED, 60_000)).isZero();
        assertThat(Oracle.awaitEqual(c, "st_ticks", DUPS, 60_000)).isZero();
      }
      assertThat(pipeline.pipeline().isReady()).isTrue();
    }
  }

  @Test
  void walsenderTerminatedRepeatedly_underWrites_losesNothingAndAppliesNothingTwice()
      throws Exception {
    SplittableRandom rnd = new SplittableRandom(17);
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicLong written = new AtomicLong();
    Thread writer = new Thread(() -> write(writing, written));
    try (PipelineFixture pipeline = PipelineFixture.start(config);
        Connection admin = PgServer.get().connectAdmin();
        Statement st = admin.createStatement()) {
      writer.start();
      int terminated = 0;
      for (int round = 0; round < 6; round++) {
        long until = System.currentTimeMillis() + 30_000;
        while (!slotActive(st) && System.currentTimeMillis() < until) {
          Thread.sleep(20); // reconnected (Debezium restarts its connector after a pause)
        }
        Thread.sleep(300 + rnd.nextInt(700));
        // the server ends the replication connection: the reader reconnects with backoff, meeting
        // "replication slot is active for PID" while the old walsender is still exiting
        try (ResultSet rs =
            st.executeQuery(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(active_pid)) FROM"
                    + " pg_replication_slots WHERE slot_name = 'crash' AND active_pid IS NOT"
                    + " NULL")) {
          rs.next();
          terminated += rs.getInt(1);
        }
      }
      writing.set(false);
      writer.join();
      assertThat(terminated)
          .as("walsenders terminated (one may restart between check and kill)")
          .isGreaterThanOrEqualTo(4);
      try (Connection c = db.connect()) {
        assertThat(Oracle.awaitEqual(c, "st_items", KEYED, 60_000)).isZero();
        assertThat(Oracle.awaitEqual(c, "st_ticks", DUPS, 60_000)).isZero();
      }
      long deadline = System.currentTimeMillis() + 30_000;
      while (!pipeline.pipeline().isReady() && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      assertThat(pipeline.pipeline().notReadyReason()).isEmpty();
      assertThat(written.get()).isGreaterThan(50);
    }
  }

  private static boolean slotActive(Statement st) throws Exception {
    try (ResultSet rs =
        st.executeQuery("SELECT active FROM pg_replication_slots WHERE slot_name = 'crash'")) {
      return rs.next() && rs.getBoolean(1);
    }
  }

  private static void write(AtomicBoolean writing, AtomicLong written) {
    SplittableRandom rnd = new SplittableRandom(11);
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      while (writing.get()) {
        RandomWrites.itemsAndTicks(st, rnd);
        written.incrementAndGet();
        Thread.sleep(5);
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
