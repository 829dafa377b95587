package dev.trickle.bench;

import dev.trickle.catalog.Migrations;
import dev.trickle.cdc.ChangeSource;
import dev.trickle.cdc.ReplicationSource;
import dev.trickle.cdc.RowChange;
import dev.trickle.cdc.WalTransaction;
import dev.trickle.cdc.debezium.DebeziumSource;
import dev.trickle.config.PipelineConfig;
import dev.trickle.config.PipelineLoader;
import dev.trickle.model.Lsn;
import dev.trickle.observe.LatencyStats;
import dev.trickle.observe.Metrics;
import dev.trickle.pg.LocalCluster;
import dev.trickle.pg.PostgresBinaries;
import dev.trickle.service.Database;
import dev.trickle.service.Pipeline;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import reactor.core.Disposable;

/**
 * The two change sources side by side, in one run on one throwaway PostgreSQL 15: the native
 * pgoutput reader ({@link ReplicationSource}) and the embedded Debezium connector ({@link
 * DebeziumSource}).
 *
 * <p>Not a unit test: the name does not end in {@code Test}, so surefire and failsafe skip it. Run
 * it with {@code bench/sources.sh} (docs/BENCHMARKS.md).
 *
 * <ol>
 *   <li>Decode: per run, two publications of {@code dec_src} and two fresh slots (one per source)
 *       are created, then a backlog of {@code changes} row changes (70% UPDATE, 15% DELETE, 15%
 *       INSERT, set-based SQL, {@code txn} per transaction) is written while nothing reads the
 *       slots; each source is then constructed directly (as the pipeline constructs it, with an
 *       idle listener that does nothing and a buffer that is never full), subscribed, and timed
 *       from the subscription until every row change of the backlog has arrived, confirming each
 *       window's last end LSN as it goes.
 *   <li>Latency: a real {@link Pipeline} per source and run (a database of its own) with one
 *       DIFFERENTIAL stream table {@code SELECT id, a, b FROM lat_src WHERE a >= 0}, preset {@code
 *       real-time} with a {@code schedule_ms} schedule; {@code writers} connections commit {@code
 *       rate} single-row UPDATE transactions per second on one shared schedule (each transaction
 *       takes the next slot of the schedule and waits for its time), {@code warmup} seconds, then
 *       {@code seconds} measured. Commit-to-visible is the service's own histogram {@code
 *       pg_trickle_commit_to_visible_ms} (with finer buckets), differenced between the window's
 *       start and the moment every committed transaction has its sample. Then the stream table is
 *       compared with its query.
 * </ol>
 *
 * <p>The sources alternate (pgoutput, debezium, pgoutput, debezium, ...) so that drift does not
 * favour one.
 *
 * <p>Arguments (all optional, {@code name=value}): {@code changes} (500000), {@code txn} (1000),
 * {@code rows} (100000, rows of {@code dec_src}), {@code rate} (1000), {@code seconds} (30), {@code
 * warmup} (5), {@code reps} (2), {@code writers} (4), {@code schedule_ms} (20), {@code lat_rows}
 * (10000, rows of {@code lat_src}), {@code out} (a file whose {@code <!-- sources:begin -->} ...
 * {@code <!-- sources:end -->} section receives the report).
 */
public final class SourceComparisonBenchmark {
  private static final List<String> SOURCES = List.of("pgoutput", "debezium");
  private static final String LAT_QUERY = "SELECT id, a, b FROM lat_src WHERE a >= 0";
  private static final String LAT_ST = "public.lat_st";
  private static final String DECODE_DB = "decode";
  private static final Duration DECODE_TIMEOUT = Duration.ofMinutes(30);
  private static final Pattern LE = Pattern.compile("[{,]le=\"([^\"]+)\"");

  /** Commit-to-visible bucket bounds (ms) finer than the service's own, for the percentiles. */
  private static final double[] FINE_BUCKETS_MS = fineBuckets();

  private final int changes;
  private final int txnRows;
  private final int rows;
  private final int rate;
  private final int seconds;
  private final int warmup;
  private final int reps;
  private final int writers;
  private final int scheduleMs;
  private final int latRows;
  private final Path out;
  private LocalCluster cluster;

  /** The id window [lo, hi] of dec_src is always contiguous and holds {@link #rows} rows. */
  private long lo;

  private long hi;

  private SourceComparisonBenchmark(Map<String, String> args) {
    this.changes = intArg(args, "changes", 500_000);
    this.txnRows = intArg(args, "txn", 1_000);
    this.rows = intArg(args, "rows", 100_000);
    this.rate = intArg(args, "rate", 1_000);
    this.seconds = intArg(args, "seconds", 30);
    this.warmup = intArg(args, "warmup", 5);
    this.reps = intArg(args, "reps", 2);
    this.writers = intArg(args, "writers", 4);
    this.scheduleMs = intArg(args, "schedule_ms", 20);
    this.latRows = intArg(args, "lat_rows", 10_000);
    this.out = args.containsKey("out") ? Path.of(args.get("out")) : null;
    if (txnRows % 20 != 0 || changes % txnRows != 0) {
      throw new IllegalArgumentException("txn must be a multiple of 20 and divide changes");
    }
    if (rate < 1 || seconds < 1 || warmup < 0 || reps < 1 || writers < 1 || scheduleMs < 1) {
      throw new IllegalArgumentException("rate, seconds, reps, writers, schedule_ms must be >= 1");
    }
    if (rows < txnRows || latRows < writers) {
      throw new IllegalArgumentException("rows must be >= txn and lat_rows >= writers");
    }
  }

  private static int intArg(Map<String, String> args, String name, int fallback) {
    String v = args.get(name);
    return v == null ? fallback : Integer.parseInt(v);
  }

  /**
   * Runs the benchmark and prints a markdown report.
   *
   * @param args optional {@code name=value} overrides
   * @throws Exception never: failures are printed and exit 1
   */
  public static void main(String[] args) throws Exception {
    Set<String> known =
        Set.of(
            "changes",
            "txn",
            "rows",
            "rate",
            "seconds",
            "warmup",
            "reps",
            "writers",
            "schedule_ms",
            "lat_rows",
            "out");
    Map<String, String> parsed = new HashMap<>();
    for (String a : args) {
      String[] kv = a.split("=", 2);
      if (kv.length != 2 || !known.contains(kv[0])) {
        throw new IllegalArgumentException("unknown argument " + a + " (allowed: " + known + ")");
      }
      parsed.put(kv[0], kv[0].equals("out") ? kv[1] : kv[1].replace("_", ""));
    }
    int code;
    try {
      code = new SourceComparisonBenchmark(parsed).run();
    } catch (Exception | Error e) {
      e.printStackTrace();
      code = 1;
    }
    System.out.flush();
    System.exit(code);
  }

  private record Decode(
      String source,
      int run,
      long changes,
      long transactions,
      double walMb,
      double firstSeconds,
      double seconds) {
    double rate() {
      return changes / seconds;
    }

    double mbPerSecond() {
      return walMb / seconds;
    }

    /** The rate once changes flow: the source's start-up (connecting, the connector) left out. */
    double rateAfterFirst() {
      return changes / (seconds - firstSeconds);
    }
  }

  private record Latency(
      String source,
      int run,
      double readySeconds,
      long committed,
      double achievedRate,
      double lateP99Ms,
      double lateMaxMs,
      double samples,
      double p50,
      double p95,
      double p99,
      LatencyStats.Summary ring,
      double refreshes,
      double refreshMeanMs,
      double drainSeconds,
      long differing,
      String replicaIdentity) {}

  private int run() throws Exception {
    PostgresBinaries bin = PostgresBinaries.preferSystem();
    cluster = LocalCluster.start(bin);
    try {
      String loadBefore = loadAverage();
      List<Decode> decodes = new ArrayList<>();
      setUpDecode();
      for (int r = 1; r <= reps; r++) {
        decodes.addAll(decodeRun(r));
      }
      List<Latency> latencies = new ArrayList<>();
      for (int r = 1; r <= reps; r++) {
        for (String source : SOURCES) {
          Latency l = latencyRun(source, r);
          log(
              "latency %s run %d: %.0f tx/s achieved, %.0f samples, p50 %.1f ms, p99 %.1f ms,"
                  + " %s",
              source,
              r,
              l.achievedRate(),
              l.samples(),
              l.p50(),
              l.p99(),
              l.differing() == 0 ? "stream table = query" : l.differing() + " rows differ");
          latencies.add(l);
        }
      }
      String md = report(bin, decodes, latencies, loadBefore + " / " + loadAverage());
      System.out.println(md);
      boolean ok =
          decodes.stream().allMatch(d -> d.changes() == changes)
              && latencies.stream().allMatch(l -> l.differing() == 0);
      if (!ok) {
        log("FAILED: a source missed changes or a stream table differs from its query");
        return 1;
      }
      if (out != null) {
        BenchmarkDoc.writeSection(out, "sources", md);
        log("written into %s", out);
      }
      return 0;
    } finally {
      cluster.close();
    }
  }

  // ---------------------------------------------------------------- decode

  private Connection connect(String database) throws SQLException {
    return DriverManager.getConnection(cluster.jdbcUrl(database));
  }

  private void setUpDecode() throws SQLException {
    cluster.createDatabase(DECODE_DB);
    lo = 1;
    hi = rows;
    try (Connection c = connect(DECODE_DB);
        Statement s = c.createStatement()) {
      // DebeziumSource keeps its offsets in pgtrickle.pgt_cdc_offsets, as Pipeline.start makes it
      Migrations.migrate(c);
      s.execute("CREATE TABLE dec_src (id bigint PRIMARY KEY, a int, b text, c numeric)");
      s.execute(
          "INSERT INTO dec_src SELECT g, (g % 1000)::int - 100, 'row ' || g, g * 0.01"
              + " FROM generate_series(1, "
              + rows
              + ") g");
      s.execute("VACUUM ANALYZE dec_src");
    }
  }

  /** One backlog, decoded by each source from a slot of its own. */
  private List<Decode> decodeRun(int run) throws Exception {
    String lsnBefore;
    String lsnAfter;
    double walMb;
    try (Connection c = connect(DECODE_DB);
        Statement s = c.createStatement()) {
      for (String source : SOURCES) {
        String name = decodeSlot(source, run);
        s.execute("CREATE PUBLICATION " + name + " FOR TABLE dec_src");
      }
      for (String source : SOURCES) {
        s.execute(
            "SELECT pg_create_logical_replication_slot('"
                + decodeSlot(source, run)
                + "', 'pgoutput')");
      }
      lsnBefore = scalar(s, "SELECT pg_current_wal_lsn()::text");
      double wrote = writeBacklog();
      lsnAfter = scalar(s, "SELECT pg_current_wal_lsn()::text");
      walMb =
          Double.parseDouble(
                  scalar(
                      s, "SELECT pg_wal_lsn_diff('" + lsnAfter + "', '" + lsnBefore + "')::text"))
              / 1048576.0;
      log(
          "decode run %d: backlog of %,d row changes written in %.2f s (%.1f MB of WAL, %s to %s)",
          run, changes, wrote, walMb, lsnBefore, lsnAfter);
    }
    List<Decode> results = new ArrayList<>();
    for (String source : SOURCES) {
      Decode d = decode(source, run, walMb);
      log(
          "decode %s run %d: %,d changes in %,d transactions, %.2f s (first change after %.2f s):"
              + " %,.0f changes/s, %.1f MB/s",
          source,
          run,
          d.changes(),
          d.transactions(),
          d.seconds(),
          d.firstSeconds(),
          d.rate(),
          d.mbPerSecond());
      results.add(d);
      try (Connection c = connect(DECODE_DB)) {
        dropSlot(c, decodeSlot(source, run));
      }
    }
    try (Connection c = connect(DECODE_DB);
        Statement s = c.createStatement()) {
      s.execute("VACUUM ANALYZE dec_src");
    }
    return results;
  }

  private static String decodeSlot(String source, int run) {
    return "dec_" + source + "_" + run;
  }

  /**
   * Applies {@link #changes} row changes in transactions of {@link #txnRows}: 70% UPDATE of a
   * sliding id range, 15% DELETE of the lowest ids, 15% INSERT above the highest id (as {@code
   * EndToEndBenchmark} does).
   *
   * @return the writer's seconds
   */
  private double writeBacklog() throws SQLException {
    int upd = txnRows * 70 / 100;
    int del = txnRows * 15 / 100;
    int ins = txnRows - upd - del;
    int txns = changes / txnRows;
    long span = (long) rows - del - upd;
    try (Connection c = connect(DECODE_DB)) {
      c.setAutoCommit(false);
      try (PreparedStatement u =
              c.prepareStatement("UPDATE dec_src SET a = a + 1 WHERE id BETWEEN ? AND ?");
          PreparedStatement d = c.prepareStatement("DELETE FROM dec_src WHERE id BETWEEN ? AND ?");
          PreparedStatement i =
              c.prepareStatement(
                  "INSERT INTO dec_src SELECT g, (g % 1000)::int - 100, 'row ' || g, g * 0.01"
                      + " FROM generate_series(?::bigint, ?::bigint) g")) {
        long started = System.nanoTime();
        for (int k = 0; k < txns; k++) {
          d.setLong(1, lo);
          d.setLong(2, lo + del - 1);
          expect(d.executeUpdate(), del, "DELETE");
          lo += del;
          i.setLong(1, hi + 1);
          i.setLong(2, hi + ins);
          expect(i.executeUpdate(), ins, "INSERT");
          hi += ins;
          long from = lo + ((long) k * upd) % span;
          u.setLong(1, from);
          u.setLong(2, from + upd - 1);
          expect(u.executeUpdate(), upd, "UPDATE");
          c.commit();
        }
        return (System.nanoTime() - started) / 1e9;
      }
    }
  }

  private static void expect(int actual, int wanted, String what) {
    if (actual != wanted) {
      throw new IllegalStateException(what + " changed " + actual + " rows, expected " + wanted);
    }
  }

  /** A pipeline configuration naming the source, slot and publication, without stream tables. */
  private PipelineConfig decodeConfig(String source, String slot) throws IOException {
    Path file =
        writeYaml(
            String.join(
                "\n",
                "version: 1",
                "database:",
                "  url: " + cluster.postgresUrl(DECODE_DB),
                "cdc:",
                "  source: " + source,
                "  slot: " + slot,
                "  publication: " + slot,
                ""));
    return new PipelineLoader(System.getenv(), Map.of()).load(file);
  }

  /** The source as {@code Pipeline.start} constructs it, with a buffer that is never full. */
  private static ChangeSource newSource(PipelineConfig cfg) {
    return dev.trickle.service.ChangeSources.of(
        cfg, new Database(cfg.database()), () -> 0L, 1L << 40, position -> {});
  }

  private Decode decode(String source, int run, double walMb) throws Exception {
    ChangeSource cs = newSource(decodeConfig(source, decodeSlot(source, run)));
    AtomicLong received = new AtomicLong();
    AtomicLong transactions = new AtomicLong();
    AtomicLong firstAt = new AtomicLong();
    AtomicLong doneAt = new AtomicLong();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    CountDownLatch done = new CountDownLatch(1);
    long started = System.nanoTime();
    Disposable subscription =
        cs.transactions()
            .subscribe(
                window -> {
                  long n = 0;
                  Lsn last = null;
                  for (WalTransaction tx : window) {
                    for (List<RowChange> list : tx.changes().values()) {
                      n += list.size();
                    }
                    last = tx.endLsn();
                  }
                  transactions.addAndGet(window.size());
                  if (n > 0) {
                    firstAt.compareAndSet(0, System.nanoTime());
                  }
                  if (last != null) {
                    cs.confirm(last);
                  }
                  if (received.addAndGet(n) >= changes && doneAt.get() == 0) {
                    doneAt.set(System.nanoTime());
                    done.countDown();
                  }
                },
                e -> {
                  failure.set(e);
                  done.countDown();
                });
    try {
      if (!done.await(DECODE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(
            source + " received " + received.get() + " of " + changes + " changes in time");
      }
      if (failure.get() != null) {
        throw new IllegalStateException(source + " failed", failure.get());
      }
      // anything beyond the backlog would show up now
      Thread.sleep(500);
    } finally {
      subscription.dispose();
      cs.close();
    }
    return new Decode(
        source,
        run,
        received.get(),
        transactions.get(),
        walMb,
        (firstAt.get() - started) / 1e9,
        (doneAt.get() - started) / 1e9);
  }

  // ---------------------------------------------------------------- latency

  /** One pipeline on a database of its own, at a fixed commit rate. */
  private Latency latencyRun(String source, int run) throws Exception {
    String name = "lat_" + source + "_" + run;
    cluster.createDatabase(name);
    try (Connection c = connect(name);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE lat_src (id bigint PRIMARY KEY, a int NOT NULL, b text)");
      s.execute(
          "INSERT INTO lat_src SELECT g, g % 100, 'row ' || g FROM generate_series(1, "
              + latRows
              + ") g");
      s.execute("VACUUM ANALYZE lat_src");
    }
    Path yaml =
        writeYaml(
            String.join(
                "\n",
                "version: 1",
                "database:",
                "  url: " + cluster.postgresUrl(name),
                "cdc:",
                "  source: " + source,
                "  slot: " + name,
                "  publication: " + name,
                "stream_tables:",
                "  - name: " + LAT_ST,
                "    query: " + LAT_QUERY,
                "    preset: real-time",
                "    schedule: " + scheduleMs + "ms",
                "    refresh_mode: DIFFERENTIAL",
                ""));
    PipelineConfig cfg = new PipelineLoader(System.getenv(), Map.of()).load(yaml);
    Metrics metrics = new Metrics();
    metrics.registry().config().meterFilter(FINE_HISTOGRAM);
    Latency result;
    try (Pipeline pipeline = new Pipeline(cfg, metrics)) {
      long t0 = System.nanoTime();
      pipeline.start();
      waitReady(pipeline);
      double ready = (System.nanoTime() - t0) / 1e9;
      log("latency %s run %d: pipeline ready in %.2f s", source, run, ready);
      result = paced(source, run, name, metrics, ready);
    }
    try (Connection c = connect(name)) {
      dropSlot(c, name);
    }
    return result;
  }

  private static final MeterFilter FINE_HISTOGRAM =
      new MeterFilter() {
        @Override
        public DistributionStatisticConfig configure(
            Meter.Id id, DistributionStatisticConfig config) {
          if (!id.getName().equals(Metrics.COMMIT_TO_VISIBLE)) {
            return config;
          }
          return DistributionStatisticConfig.builder()
              .serviceLevelObjectives(FINE_BUCKETS_MS)
              .build()
              .merge(config);
        }
      };

  /** 1 ms wide up to 100 ms, 2 ms to 200, 5 ms to 500, 10 ms to 1 s, 50 ms to 5 s, then coarser. */
  private static double[] fineBuckets() {
    List<Double> b = new ArrayList<>();
    for (int v = 1; v <= 100; v++) {
      b.add((double) v);
    }
    for (int v = 102; v <= 200; v += 2) {
      b.add((double) v);
    }
    for (int v = 205; v <= 500; v += 5) {
      b.add((double) v);
    }
    for (int v = 510; v <= 1_000; v += 10) {
      b.add((double) v);
    }
    for (int v = 1_050; v <= 5_000; v += 50) {
      b.add((double) v);
    }
    for (int v = 5_500; v <= 30_000; v += 500) {
      b.add((double) v);
    }
    b.addAll(List.of(60_000.0, 300_000.0, 900_000.0));
    return b.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static long sampleCount(Metrics metrics) {
    LatencyStats s = metrics.latencyStats().get(LAT_ST);
    return s == null ? 0 : s.count();
  }

  /** The writers, the window's two histogram readings, the drain and the comparison. */
  private Latency paced(String source, int run, String db, Metrics metrics, double ready)
      throws Exception {
    long baseline = sampleCount(metrics);
    long period = TimeUnit.SECONDS.toNanos(1) / rate;
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
    long windowStart = start + TimeUnit.SECONDS.toNanos(warmup);
    long windowEnd = windowStart + TimeUnit.SECONDS.toNanos(seconds);
    AtomicLong tickets = new AtomicLong();
    AtomicLong committed = new AtomicLong();
    AtomicLong inWindow = new AtomicLong();
    AtomicReference<Exception> failure = new AtomicReference<>();
    List<List<Long>> lateness = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int w = 0; w < writers; w++) {
      List<Long> late = new ArrayList<>();
      lateness.add(late);
      Thread t =
          new Thread(
              () -> {
                try (Connection c = connect(db);
                    PreparedStatement ps =
                        c.prepareStatement("UPDATE lat_src SET a = a + 1 WHERE id = ?")) {
                  c.setAutoCommit(true);
                  while (failure.get() == null) {
                    long k = tickets.getAndIncrement();
                    long due = start + k * period;
                    if (due >= windowEnd) {
                      return;
                    }
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                      LockSupport.parkNanos(wait);
                    }
                    long began = System.nanoTime();
                    ps.setLong(1, k % latRows + 1);
                    expect(ps.executeUpdate(), 1, "UPDATE");
                    long done = System.nanoTime();
                    committed.incrementAndGet();
                    if (due >= windowStart) {
                      late.add(began - due);
                    }
                    if (done >= windowStart && done < windowEnd) {
                      inWindow.incrementAndGet();
                    }
                  }
                } catch (SQLException | RuntimeException e) {
                  failure.compareAndSet(null, e);
                }
              },
              "bench-writer-" + w);
      threads.add(t);
      t.start();
    }
    long wait;
    while ((wait = windowStart - System.nanoTime()) > 0) {
      LockSupport.parkNanos(wait);
    }
    Scrape from = scrape(metrics);
    String loadAtStart = loadAverage();
    for (Thread t : threads) {
      t.join();
    }
    if (failure.get() != null) {
      throw failure.get();
    }
    long writersEnd = System.nanoTime();
    // every committed transaction becomes one sample once a refresh made it visible
    long deadline = writersEnd + TimeUnit.SECONDS.toNanos(120);
    while (sampleCount(metrics) - baseline < committed.get()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            source
                + ": "
                + (sampleCount(metrics) - baseline)
                + " commit-to-visible samples for "
                + committed.get()
                + " transactions after 120 s");
      }
      Thread.sleep(5);
    }
    double drain = (System.nanoTime() - writersEnd) / 1e9;
    Scrape to = scrape(metrics);
    LatencyStats.Summary ring = metrics.latencySummaries().get(LAT_ST);
    long differing;
    String identity;
    try (Connection c = connect(db);
        Statement s = c.createStatement()) {
      differing = differing(s);
      identity =
          scalar(s, "SELECT relreplident::text FROM pg_class WHERE oid = 'lat_src'::regclass");
    }
    log("latency %s run %d: load average %s at the window's start", source, run, loadAtStart);
    long[] late = lateness.stream().flatMap(List::stream).mapToLong(Long::longValue).toArray();
    Arrays.sort(late);
    double refreshes = to.refreshes() - from.refreshes();
    return new Latency(
        source,
        run,
        ready,
        committed.get(),
        inWindow.get() / (double) seconds,
        late.length == 0 ? 0 : late[(int) Math.ceil(0.99 * late.length) - 1] / 1e6,
        late.length == 0 ? 0 : late[late.length - 1] / 1e6,
        to.count() - from.count(),
        percentile(from, to, 0.50),
        percentile(from, to, 0.95),
        percentile(from, to, 0.99),
        ring,
        refreshes,
        refreshes == 0
            ? Double.NaN
            : (to.refreshSeconds() - from.refreshSeconds()) * 1e3 / refreshes,
        drain,
        differing,
        identity);
  }

  /** Rows in the stream table but not its query, plus rows in its query but not in it. */
  private static long differing(Statement s) throws SQLException {
    String cols = "id, a, b";
    return Long.parseLong(
        scalar(
            s,
            "SELECT count(*)::text FROM ((SELECT "
                + cols
                + " FROM lat_st EXCEPT ALL "
                + LAT_QUERY
                + ") UNION ALL ("
                + LAT_QUERY
                + " EXCEPT ALL SELECT "
                + cols
                + " FROM lat_st)) d"));
  }

  /** The commit-to-visible buckets (cumulative) and the refresh count and time of a scrape. */
  private record Scrape(
      TreeMap<Double, Double> buckets, double count, double refreshes, double refreshSeconds) {}

  private static Scrape scrape(Metrics metrics) {
    TreeMap<Double, Double> buckets = new TreeMap<>();
    double count = 0;
    double refreshes = 0;
    double refreshSeconds = 0;
    String prefix = Metrics.COMMIT_TO_VISIBLE;
    for (String line : metrics.scrape().split("\n", -1)) {
      int close = line.lastIndexOf('}');
      if (line.startsWith("#") || close < 0) {
        continue;
      }
      double value = Double.parseDouble(line.substring(close + 1).strip().split(" ", -1)[0]);
      if (line.startsWith(prefix + "_bucket{")) {
        Matcher m = LE.matcher(line);
        if (!m.find()) {
          throw new IllegalStateException("no le in " + line);
        }
        double le =
            m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
        buckets.merge(le, value, Double::sum);
      } else if (line.startsWith(prefix + "_count{")) {
        count += value;
      } else if (line.startsWith("pg_trickle_refresh_duration_seconds_count{")) {
        refreshes += value;
      } else if (line.startsWith("pg_trickle_refresh_duration_seconds_sum{")) {
        refreshSeconds += value;
      }
    }
    return new Scrape(buckets, count, refreshes, refreshSeconds);
  }

  /** A percentile of the difference of two cumulative histograms, interpolated in its bucket. */
  private static double percentile(Scrape from, Scrape to, double q) {
    TreeMap<Double, Double> d = new TreeMap<>();
    to.buckets().forEach((le, n) -> d.put(le, n - from.buckets().getOrDefault(le, 0.0)));
    if (d.isEmpty() || d.lastEntry().getValue() <= 0) {
      return Double.NaN;
    }
    double target = q * d.lastEntry().getValue();
    double prevLe = 0;
    double prevCount = 0;
    for (Map.Entry<Double, Double> e : d.entrySet()) {
      if (e.getValue() >= target && e.getValue() > prevCount) {
        if (e.getKey().isInfinite()) {
          return prevLe;
        }
        return prevLe + (target - prevCount) / (e.getValue() - prevCount) * (e.getKey() - prevLe);
      }
      prevLe = e.getKey();
      prevCount = e.getValue();
    }
    return prevLe;
  }

  private static void waitReady(Pipeline pipeline) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (!pipeline.isReady()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "pipeline not ready: " + pipeline.notReadyReason().orElse("?"));
      }
      Thread.sleep(20);
    }
  }

  // ---------------------------------------------------------------- helpers

  private static Path writeYaml(String yaml) throws IOException {
    Path file = Files.createTempFile("trickle-bench-sources-", ".yaml");
    file.toFile().deleteOnExit();
    Files.writeString(file, yaml, StandardCharsets.UTF_8);
    return file;
  }

  private static String scalar(Statement s, String sql) throws SQLException {
    try (ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }

  /** Drops a slot once its reader has let go of it (the walsender may take a moment to exit). */
  private static void dropSlot(Connection c, String slot)
      throws SQLException, InterruptedException {
    try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
      ps.setString(1, slot);
      for (int attempt = 0; ; attempt++) {
        try {
          ps.execute();
          return;
        } catch (SQLException e) {
          if (attempt >= 600) {
            throw e;
          }
          Thread.sleep(50);
        }
      }
    }
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg"), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static void log(String format, Object... args) {
    System.out.println("[bench] " + String.format(Locale.ROOT, format, args));
    System.out.flush();
  }

  private static String f(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  private static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    if (a.length == 0) {
      return Double.NaN;
    }
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }

  // ---------------------------------------------------------------- report

  private String report(
      PostgresBinaries bin, List<Decode> decodes, List<Latency> latencies, String load)
      throws SQLException, IOException {
    String pgVersion;
    try (Connection c = connect("postgres");
        Statement s = c.createStatement()) {
      pgVersion = scalar(s, "SELECT version()");
    }
    StringBuilder o = new StringBuilder();
    o.append("\n## Machine\n\n");
    o.append("- nproc: ").append(Runtime.getRuntime().availableProcessors()).append('\n');
    o.append("- CPU: ").append(BenchmarkMachine.cpuModel()).append('\n');
    o.append("- PostgreSQL: ").append(pgVersion).append(" (").append(bin.source()).append(")\n");
    o.append("- Java: ")
        .append(System.getProperty("java.vm.name"))
        .append(' ')
        .append(System.getProperty("java.runtime.version"))
        .append(f(" (max heap %,d MB)", Runtime.getRuntime().maxMemory() / 1048576))
        .append('\n');
    o.append("- /proc/loadavg at start / end: ").append(load).append('\n');
    o.append(
        f(
            "- Order: every run of a phase takes the sources in turn (%s), %d run(s) each.%n",
            String.join(", ", SOURCES), reps));

    o.append("\n## Decode throughput (the change source alone, on a backlog)\n\n");
    o.append(
        f(
            "Per run, two publications of `dec_src` (%,d rows, primary key, default replica"
                + " identity) and two fresh pgoutput slots, one per source, are created; then a"
                + " backlog of %,d row changes is written while nothing reads either slot"
                + " (transactions of %,d rows: 70%% UPDATE / 15%% DELETE / 15%% INSERT,"
                + " set-based SQL). So both sources decode the same WAL; each run writes a"
                + " backlog of its own. Each source is constructed directly, as the pipeline"
                + " constructs it (settings' defaults; no buffer limit, idle listener does"
                + " nothing), subscribed, and timed from the subscription until all %,d row"
                + " changes (`RowChange`s in the windows' transactions) have arrived, confirming"
                + " each window's last end LSN as it arrives. WAL = `pg_wal_lsn_diff` of the"
                + " backlog. Both sources read the slot through the server's pgoutput plugin, so"
                + " the server's decoding is the same; `row changes/s` counts from the"
                + " subscription (the source's start-up included), the last column from the"
                + " first window that held a row change.%n%n",
            rows, changes, txnRows, changes));
    o.append(
        "| source | run | row changes | transactions | WAL MB | first change after s | seconds"
            + " | **row changes/s** | WAL MB/s | row changes/s after the first |\n");
    o.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Decode d : decodes) {
      o.append(
          f(
              "| %s | %d | %,d | %,d | %.1f | %.2f | %.2f | %,.0f | %.1f | %,.0f |%n",
              d.source(),
              d.run(),
              d.changes(),
              d.transactions(),
              d.walMb(),
              d.firstSeconds(),
              d.seconds(),
              d.rate(),
              d.mbPerSecond(),
              d.rateAfterFirst()));
    }
    o.append(
        "\n| source | median row changes/s | median WAL MB/s | median seconds | median row"
            + " changes/s after the first |\n");
    o.append("|---|---:|---:|---:|---:|\n");
    Map<String, Double> decodeMedian = new HashMap<>();
    for (String source : SOURCES) {
      List<Decode> mine = decodes.stream().filter(d -> d.source().equals(source)).toList();
      double r = median(mine.stream().map(Decode::rate).toList());
      decodeMedian.put(source, r);
      o.append(
          f(
              "| %s | %,.0f | %.1f | %.2f | %,.0f |%n",
              source,
              r,
              median(mine.stream().map(Decode::mbPerSecond).toList()),
              median(mine.stream().map(Decode::seconds).toList()),
              median(mine.stream().map(Decode::rateAfterFirst).toList())));
    }
    o.append(
        f(
            "%nRatio of median rates, debezium / pgoutput: %.2f.%n",
            decodeMedian.get("debezium") / decodeMedian.get("pgoutput")));

    o.append(f("%n## Commit-to-visible latency at %,d transactions/s%n%n", rate));
    String identity = latencies.isEmpty() ? "?" : latencies.get(0).replicaIdentity();
    o.append(
        f(
            "Per source and run, a database of its own with `lat_src` (%,d rows, primary key;"
                + " replica identity `%s` as the pipeline left it) and a real pipeline"
                + " (`cdc.source` the source under test) with one stream table `%s` = `%s`,"
                + " `preset: real-time` (DIFFERENTIAL, workers max, 256 MB) with `schedule: %dms`"
                + " (the preset's own schedule is 1s; an explicit schedule wins over the preset,"
                + " and a latency-minded user sets a short one). %d writer connections commit"
                + " single-row `UPDATE lat_src SET a = a + 1 WHERE id = ?` transactions on one"
                + " shared schedule of %,d per second (each transaction takes the next slot and"
                + " waits for its time; a late writer catches up without waiting); %d s warm-up,"
                + " then %d s measured. Commit-to-visible is the service's own histogram"
                + " `pg_trickle_commit_to_visible_ms` (one sample per source transaction a"
                + " refresh made visible: source commit time to refresh commit), with buckets 1"
                + " ms wide up to 100 ms (2 ms to 200 ms, 5 ms to 500 ms, 10 ms to 1 s),"
                + " differenced between the start of the measured window and the moment every"
                + " committed transaction had its sample (after the writers stopped), a"
                + " percentile interpolated within its bucket; `ring` is the service's own"
                + " percentile window (`LatencyStats`, the last 10,000 samples: what"
                + " `pgtrickle.commit_latency_stats()` shows). Achieved rate = commits returned"
                + " within the window / its length; late = how long after its slot a"
                + " transaction started. Then the stream table is compared with its query"
                + " (`EXCEPT ALL` both ways).%n%n",
            latRows, identity, LAT_ST, LAT_QUERY, scheduleMs, writers, rate, warmup, seconds));
    o.append(
        "| source | run | achieved tx/s | late p99 / max ms | samples | p50 ms | p95 ms | p99 ms"
            + " | ring p50 / p99 / max ms | refreshes/s | mean refresh ms | drain s | stream"
            + " table = query |\n");
    o.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (Latency l : latencies) {
      LatencyStats.Summary ring = l.ring();
      o.append(
          f(
              "| %s | %d | %,.0f | %.1f / %.1f | %,.0f | %.1f | %.1f | %.1f | %s | %.1f | %.1f |"
                  + " %.2f | %s |%n",
              l.source(),
              l.run(),
              l.achievedRate(),
              l.lateP99Ms(),
              l.lateMaxMs(),
              l.samples(),
              l.p50(),
              l.p95(),
              l.p99(),
              ring == null ? "-" : f("%.1f / %.1f / %.1f", ring.p50(), ring.p99(), ring.max()),
              l.refreshes() / seconds,
              l.refreshMeanMs(),
              l.drainSeconds(),
              l.differing() == 0 ? "yes" : "NO (" + l.differing() + " rows differ)"));
    }
    o.append("\n| source | median achieved tx/s | median p50 ms | median p99 ms |\n");
    o.append("|---|---:|---:|---:|\n");
    for (String source : SOURCES) {
      List<Latency> mine = latencies.stream().filter(l -> l.source().equals(source)).toList();
      o.append(
          f(
              "| %s | %,.0f | %.1f | %.1f |%n",
              source,
              median(mine.stream().map(Latency::achievedRate).toList()),
              median(mine.stream().map(Latency::p50).toList()),
              median(mine.stream().map(Latency::p99).toList())));
    }
    o.append(
        f(
            "%nPipeline start to ready (catalog, slot, initial fill, source streaming): %s.%n",
            String.join(
                ", ",
                latencies.stream()
                    .map(l -> f("%s %.1f s", l.source(), l.readySeconds()))
                    .toList())));
    return o.toString();
  }
}
