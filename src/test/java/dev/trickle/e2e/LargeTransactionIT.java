package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PgServer;
import dev.trickle.testing.PipelineFixture;
import dev.trickle.testing.ServiceProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Fault F5 (docs/RELIABILITY.md): source transactions far larger than the server's {@code
 * logical_decoding_work_mem} (set to its minimum, 64kB, so the server streams them in progress) and
 * than the service's heap would hold ({@code -Xmx256m}). One transaction updates {@code
 * trickle.test.large.rows} rows (half in a keyed table, half in a keyless one) while small
 * transactions commit; one as large is rolled back after it streamed; one rolls back a
 * subtransaction. A concurrent reader only ever sees each stream table before or after a
 * transaction, never in between; the oracle holds at the end, and the service never ran out of
 * memory.
 */
final class LargeTransactionIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  /** Rows of the large transaction: 300,000 in the build, 5,000,000 in the nightly profile. */
  static final int ROWS = Integer.getInteger("trickle.test.large.rows", 300_000);

  static final String KEYED = "SELECT id, v FROM big";
  static final String KEYLESS = "SELECT g, v FROM nk";
  static final String SMALL = "SELECT id, v FROM small";

  private static String workMemBefore;

  @BeforeAll
  static void smallestDecodingMemory() throws Exception {
    Assumptions.assumeFalse(
        "debezium".equals(PipelineFixture.cdcSource()),
        "large transactions are streamed and spilled by the pgoutput source");
    try (Connection c = PgServer.get().connectAdmin();
        Statement st = c.createStatement()) {
      try (ResultSet rs = st.executeQuery("SHOW logical_decoding_work_mem")) {
        rs.next();
        workMemBefore = rs.getString(1);
      }
      st.execute("ALTER SYSTEM SET logical_decoding_work_mem = '64kB'");
      st.execute("SELECT pg_reload_conf()");
    }
  }

  @AfterAll
  static void restoreDecodingMemory() throws Exception {
    if (workMemBefore == null) {
      return;
    }
    try (Connection c = PgServer.get().connectAdmin();
        Statement st = c.createStatement()) {
      st.execute("ALTER SYSTEM RESET logical_decoding_work_mem");
      st.execute("SELECT pg_reload_conf()");
    }
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.MINUTES) // the nightly profile's 5,000,000 rows
  void transactionsLargerThanMemory_areAppliedWhole_andRolledBackOnesNotAtAll() throws Exception {
    int half = ROWS / 2;
    db.execute(
        "CREATE TABLE big (id int PRIMARY KEY, v int, pad text)",
        "CREATE TABLE nk (g int, v int)",
        "CREATE TABLE small (id int PRIMARY KEY, v int)",
        "INSERT INTO big SELECT g, g, 'pad ' || g FROM generate_series(1, " + half + ") g",
        "INSERT INTO nk SELECT g, g FROM generate_series(1, " + half + ") g",
        "ANALYZE big",
        "ANALYZE nk");
    Path gcLog = Files.createTempFile("trickle-large-gc-", ".log");
    Path config =
        PipelineFixture.writeConfig(
            db,
            "large",
            PipelineFixture.streamTablesYaml(
                java.util.Map.of("st_keyed", KEYED, "st_keyless", KEYLESS, "st_small", SMALL),
                "200ms",
                n -> "DIFFERENTIAL"));
    long timeout = 60_000 + ROWS / 5L; // 1 s per 5,000 rows beyond a minute
    try (ServiceProcess service =
            new ServiceProcess(config).withJvmOptions("-Xlog:gc:file=" + gcLog);
        Connection c = db.connect();
        Statement st = c.createStatement()) {
      service.start();
      assertThat(Oracle.awaitEqual(c, "st_keyed", KEYED, timeout)).isZero();
      assertThat(Oracle.awaitEqual(c, "st_keyless", KEYLESS, timeout)).isZero();

      long keyed0 = sum(st, "SELECT sum(v) FROM big");
      long keyless0 = sum(st, "SELECT sum(v) FROM nk");
      Set<Long> seenKeyed = ConcurrentHashMap.newKeySet();
      Set<Long> seenKeyless = ConcurrentHashMap.newKeySet();
      AtomicBoolean running = new AtomicBoolean(true);
      Thread reader = new Thread(() -> read(running, seenKeyed, seenKeyless));
      AtomicLong smallWrites = new AtomicLong();
      Thread writer = new Thread(() -> writeSmall(running, smallWrites));
      reader.start();
      writer.start();

      // (a) one transaction of ROWS row changes, small ones committing meanwhile
      long started = System.nanoTime();
      c.setAutoCommit(false);
      st.execute("UPDATE big SET v = v + 1");
      st.execute("UPDATE nk SET v = v + 1");
      c.commit();
      c.setAutoCommit(true);
      long committed = System.nanoTime();
      assertThat(Oracle.awaitEqual(c, "st_keyed", KEYED, timeout)).as(service.logTail()).isZero();
      assertThat(Oracle.awaitEqual(c, "st_keyless", KEYLESS, timeout))
          .as(service.logTail())
          .isZero();
      long applied = System.nanoTime();
      long keyed1 = keyed0 + half;
      long keyless1 = keyless0 + half;

      // (b) as large, streamed, then rolled back: nothing of it applied
      c.setAutoCommit(false);
      st.execute("UPDATE big SET v = v + 1000");
      st.execute("UPDATE nk SET v = v + 1000");
      st.execute("SELECT pg_sleep(1)");
      c.rollback();
      c.setAutoCommit(true);

      // (c) a subtransaction rolled back inside a large committed transaction
      c.setAutoCommit(false);
      st.execute("UPDATE big SET v = v + 1 WHERE id % 2 = 0");
      st.execute("SAVEPOINT s");
      st.execute("UPDATE big SET v = v + 100 WHERE id % 2 = 1");
      st.execute("UPDATE nk SET v = v + 100");
      st.execute("ROLLBACK TO SAVEPOINT s");
      st.execute("UPDATE nk SET v = v + 1 WHERE g % 2 = 0");
      c.commit();
      c.setAutoCommit(true);
      long keyed2 = keyed1 + half / 2;
      long keyless2 = keyless1 + half / 2;

      assertThat(Oracle.awaitEqual(c, "st_keyed", KEYED, timeout)).as(service.logTail()).isZero();
      assertThat(Oracle.awaitEqual(c, "st_keyless", KEYLESS, timeout))
          .as(service.logTail())
          .isZero();
      running.set(false);
      reader.join();
      writer.join();
      assertThat(Oracle.awaitEqual(c, "st_small", SMALL, timeout)).as(service.logTail()).isZero();
      assertThat(sum(st, "SELECT sum(v) FROM st_keyed")).isEqualTo(keyed2);
      assertThat(sum(st, "SELECT sum(v) FROM st_keyless")).isEqualTo(keyless2);
      assertThat(seenKeyed).as("sums of st_keyed a reader saw").isSubsetOf(keyed0, keyed1, keyed2);
      assertThat(seenKeyless)
          .as("sums of st_keyless a reader saw")
          .isSubsetOf(keyless0, keyless1, keyless2);
      assertThat(smallWrites.get()).isPositive();

      // the server streamed the large transactions in progress (protocol 2) rather than holding
      // them until their commit (the statistics are reported with a delay)
      long streamed = 0;
      for (int i = 0; i < 100 && streamed == 0; i++) {
        streamed = streamedTransactions(st);
        Thread.sleep(100);
      }
      assertThat(streamed).as("transactions the server streamed in progress").isPositive();

      String log = Files.readString(service.logFile().toPath());
      assertThat(log).doesNotContain("OutOfMemoryError");
      System.out.printf(
          "LargeTransactionIT: %,d rows; %d transactions streamed in progress; commit took %d ms,"
              + " applied %d ms after it; reader saw %s / %s; %s%n%s%n",
          ROWS,
          streamed,
          TimeUnit.NANOSECONDS.toMillis(committed - started),
          TimeUnit.NANOSECONDS.toMillis(applied - committed),
          seenKeyed,
          seenKeyless,
          heapSummary(gcLog),
          db.queryRows(
              "SELECT stream_table, mode, reason_code, delta_rows, source_txns, merge_chunks,"
                  + " extract(epoch FROM now() - started_at)::int FROM"
                  + " pgtrickle.pgt_refresh_history WHERE delta_rows > 1000 OR mode = 'FULL'"
                  + " ORDER BY refresh_id"));
      assertThat(service.terminate()).as("SIGTERM exits 0").isZero();
    }
  }

  private static long streamedTransactions(Statement st) throws Exception {
    try (ResultSet rs =
        st.executeQuery(
            "SELECT coalesce(sum(stream_txns), 0) FROM pg_stat_replication_slots"
                + " WHERE slot_name = 'large'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static long sum(Statement st, String sql) throws Exception {
    try (ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Samples the stream tables' sums until told to stop. */
  private static void read(AtomicBoolean running, Set<Long> keyed, Set<Long> keyless) {
    try (Connection r = db.connect();
        Statement st = r.createStatement()) {
      while (running.get()) {
        keyed.add(sum(st, "SELECT sum(v) FROM st_keyed"));
        keyless.add(sum(st, "SELECT sum(v) FROM st_keyless"));
        Thread.sleep(20);
      }
    } catch (Exception e) {
      keyed.add(Long.MIN_VALUE);
    }
  }

  /** Small transactions while the large ones stream. */
  private static void writeSmall(AtomicBoolean running, AtomicLong written) {
    try (Connection w = db.connect();
        Statement st = w.createStatement()) {
      int id = 0;
      while (running.get()) {
        id++;
        st.execute("INSERT INTO small VALUES (" + id + ", " + id + ")");
        if (id % 3 == 0) {
          st.execute("UPDATE small SET v = v + 1 WHERE id = " + (id - 1));
        }
        written.incrementAndGet();
        Thread.sleep(20);
      }
    } catch (Exception e) {
      written.set(Long.MIN_VALUE);
    }
  }

  /** The largest heap before and after a collection, from the service's GC log. */
  static String heapSummary(Path gcLog) throws Exception {
    Matcher m = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)").matcher(Files.readString(gcLog));
    long before = 0;
    long after = 0;
    int collections = 0;
    while (m.find()) {
      before = Math.max(before, Long.parseLong(m.group(1)));
      after = Math.max(after, Long.parseLong(m.group(2)));
      collections++;
    }
    return "heap: at most "
        + before
        + " MB before and "
        + after
        + " MB after a collection ("
        + collections
        + " collections)";
  }
}
