package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.faults.CrashPoints;
import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import dev.trickle.testing.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Fault F1 at chosen points: the service halts dead (as {@code kill -9}) before a MERGE, between
 * the chunks of a chunked MERGE, after a refresh committed but before the change store and the slot
 * heard of it, and after the slot position was recorded but before the server was told, each at a
 * random visit, trial after trial under a writer. Every restart recovers the previous crash; at the
 * end a keyed, a keyless (a double application adds copies) and an aggregate stream table (counts
 * and sums never heal) equal their queries. Trials: system property {@code
 * trickle.test.crash.trials} (10 in the build, 100 in the nightly profile).
 */
final class CrashPointsIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  static final String KEYED = "SELECT id, v, w FROM cp_items WHERE v % 3 <> 0";
  static final String DUPS = "SELECT tag, v FROM cp_ticks WHERE v > 0";
  static final String SUMS =
      "SELECT v % 5 AS g, count(*) AS n, sum(v) AS s FROM cp_items GROUP BY 1";

  static final int TRIALS = Integer.getInteger("trickle.test.crash.trials", 10);

  @Test
  @Timeout(value = 60, unit = TimeUnit.MINUTES) // the nightly profile's 100 trials
  void haltsAtEveryCrashPoint_loseNothingAndApplyNothingTwice() throws Exception {
    db.execute(
        "CREATE TABLE cp_items (id int PRIMARY KEY, v int, w text)",
        "CREATE TABLE cp_ticks (tag text, v int)",
        "INSERT INTO cp_items SELECT g, g, 'w' FROM generate_series(1, 500) g");
    Path config =
        PipelineFixture.writeConfig(
            db,
            "crashpoints",
            "settings:\n  dvm:\n    merge_batch_size: 20\n"
                + "stream_tables:\n"
                + stream("st_cp_items", KEYED, "100ms")
                + stream("st_cp_ticks", DUPS, "150ms")
                + stream("st_cp_sums", SUMS, "200ms"));
    CrashPoints.Point[] points = CrashPoints.Point.values();
    Map<CrashPoints.Point, Integer> halts = new EnumMap<>(CrashPoints.Point.class);
    SplittableRandom rnd = new SplittableRandom(23);
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicLong written = new AtomicLong();
    Thread writer = new Thread(() -> write(writing, written), "cp-writer");
    try (ServiceProcess service = new ServiceProcess(config)) {
      writer.start();
      for (int trial = 0; trial < TRIALS; trial++) {
        CrashPoints.Point point = points[trial % points.length];
        String armed = point.name().toLowerCase(java.util.Locale.ROOT) + ":" + (1 + rnd.nextInt(3));
        service.withJvmOptions("-D" + CrashPoints.PROPERTY + "=" + armed);
        service.spawn(); // also recovers from the previous trial's crash, or halts doing so
        OptionalInt exit = service.awaitExit(Duration.ofSeconds(60));
        assertThat(exit)
            .as("trial %d: halted at %s within 60 s\n%s", trial, armed, service.logTail())
            .hasValue(CrashPoints.EXIT_CODE);
        halts.merge(point, 1, Integer::sum);
      }
      writing.set(false);
      writer.join();
      service.withJvmOptions();
      service.start();
      try (Connection c = db.connect()) {
        assertThat(Oracle.awaitEqual(c, "st_cp_items", KEYED, 60_000)).isZero();
        assertThat(Oracle.awaitEqual(c, "st_cp_ticks", DUPS, 60_000)).isZero();
        assertThat(Oracle.awaitEqual(c, "st_cp_sums", SUMS, 60_000)).isZero();
      }
      assertThat(service.terminate()).as("SIGTERM exits 0").isZero();
      String log = Files.readString(service.logFile().toPath());
      for (CrashPoints.Point point : halts.keySet()) {
        assertThat(log).contains("halting at crash point " + point);
      }
    }
    assertThat(halts).hasSize(Math.min(TRIALS, points.length));
    assertThat(written.get()).isGreaterThan(TRIALS);
  }

  private static String stream(String name, String query, String schedule) {
    return "  - name: "
        + name
        + "\n    query: "
        + query
        + "\n    schedule: "
        + schedule
        + "\n    refresh_mode: DIFFERENTIAL\n";
  }

  /** Transactions of 1 to 60 row changes, so that deltas often outgrow a MERGE chunk. */
  private static void write(AtomicBoolean writing, AtomicLong written) {
    SplittableRandom rnd = new SplittableRandom(29);
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      while (writing.get()) {
        int from = 1 + rnd.nextInt(700);
        int to = from + rnd.nextInt(40);
        switch (rnd.nextInt(4)) {
          case 0 ->
              st.execute(
                  "INSERT INTO cp_items SELECT g, g % 50, 'n' FROM generate_series("
                      + from
                      + ", "
                      + to
                      + ") g ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v + 1");
          case 1 ->
              st.execute(
                  "UPDATE cp_items SET v = v + 1, w = w || '.' WHERE id BETWEEN "
                      + from
                      + " AND "
                      + to);
          case 2 ->
              st.execute("DELETE FROM cp_items WHERE id BETWEEN " + from + " AND " + (from + 3));
          default ->
              st.execute(
                  "INSERT INTO cp_ticks SELECT 't' || g % 5, g % 4 FROM generate_series(1, "
                      + (1 + rnd.nextInt(60))
                      + ") g; DELETE FROM cp_ticks WHERE ctid IN (SELECT ctid FROM cp_ticks"
                      + " LIMIT 2)");
        }
        written.incrementAndGet();
        Thread.sleep(10);
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
