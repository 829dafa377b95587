package dev.trickle.bench;

import dev.trickle.config.PipelineConfig;
import dev.trickle.config.PipelineLoader;
import dev.trickle.observe.LatencyStats;
import dev.trickle.observe.Metrics;
import dev.trickle.pg.LocalCluster;
import dev.trickle.pg.PostgresBinaries;
import dev.trickle.service.Pipeline;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * End-to-end benchmark of one scan stream table ({@code public.bench_scan = SELECT id, a, b, c FROM
 * bench_src WHERE a >= 0}, DIFFERENTIAL, 100 ms schedule) on a throwaway PostgreSQL 15.
 *
 * <p>Not a unit test: the name does not end in {@code Test}, so surefire and failsafe skip it. Run
 * it as documented in docs/BENCHMARKS.md, or with {@code bench/run.sh}.
 *
 * <p>Scenarios, in order:
 *
 * <ol>
 *   <li>writer alone: the throughput workload with no replication slot at all (the PostgreSQL-only
 *       write rate);
 *   <li>latency: single-row UPDATE commits, one every 50 ms, timed from the client's commit return
 *       until a reader polling the stream table every 2 ms sees the new value;
 *   <li>throughput: the workload (70% UPDATE, 15% DELETE, 15% INSERT, 1,000 row changes per
 *       transaction, set-based SQL) written as fast as possible while the pipeline runs, timed from
 *       the first write until the stream table equals its query; in the same run a second pgoutput
 *       slot on the same changes is decoded inside the server ({@code
 *       pg_logical_slot_peek_binary_changes}) and drained by {@code pg_recvlogical}.
 * </ol>
 *
 * <p>Arguments (all optional, {@code name=value}): {@code rows} (100000), {@code changes} (500000),
 * {@code txn} (1000), {@code reps} (3), {@code samples} (200), {@code interval_ms} (50), {@code
 * tracing} (0; 1 records every span and drops it after batching, as an exporter would take it),
 * {@code metrics} (1; 0 records no metric, no latency sample: with {@code tracing=0}, the service
 * observing nothing).
 */
public final class EndToEndBenchmark {
  private static final String QUERY = "SELECT id, a, b, c FROM bench_src WHERE a >= 0";
  private static final String BASE_SLOT = "bench_base";
  private static final Duration CONVERGE_TIMEOUT = Duration.ofMinutes(10);

  private final int rows;
  private final int changes;
  private final int txnRows;
  private final int reps;
  private final int samples;
  private final int intervalMs;
  private final boolean metricsOn;
  private LocalCluster cluster;
  private String jdbcUrl;

  /** The id window [lo, hi] of bench_src is always contiguous and holds {@link #rows} rows. */
  private long lo;

  private long hi;

  private EndToEndBenchmark(Map<String, Integer> args) {
    this.rows = args.getOrDefault("rows", 100_000);
    this.changes = args.getOrDefault("changes", 500_000);
    this.txnRows = args.getOrDefault("txn", 1_000);
    this.reps = args.getOrDefault("reps", 3);
    this.samples = args.getOrDefault("samples", 200);
    this.intervalMs = args.getOrDefault("interval_ms", 50);
    this.metricsOn = args.getOrDefault("metrics", 1) == 1;
    if (txnRows % 20 != 0 || changes % txnRows != 0) {
      throw new IllegalArgumentException("txn must be a multiple of 20 and divide changes");
    }
  }

  /**
   * Runs the benchmark and prints a markdown report.
   *
   * @param args optional {@code name=value} overrides
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    Map<String, Integer> parsed = new java.util.HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("expected name=value, got " + a);
      }
      parsed.put(a.substring(0, eq), Integer.parseInt(a.substring(eq + 1).replace("_", "")));
    }
    if (parsed.getOrDefault("tracing", 0) == 1) {
      // spans recorded and batched as with an OTLP exporter, then dropped: the service's cost
      java.util.concurrent.atomic.AtomicLong exported =
          new java.util.concurrent.atomic.AtomicLong();
      io.opentelemetry.sdk.trace.export.SpanExporter discard =
          new io.opentelemetry.sdk.trace.export.SpanExporter() {
            @Override
            public io.opentelemetry.sdk.common.CompletableResultCode export(
                java.util.Collection<io.opentelemetry.sdk.trace.data.SpanData> spans) {
              exported.addAndGet(spans.size());
              return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess();
            }

            @Override
            public io.opentelemetry.sdk.common.CompletableResultCode flush() {
              return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess();
            }

            @Override
            public io.opentelemetry.sdk.common.CompletableResultCode shutdown() {
              return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess();
            }
          };
      dev.trickle.observe.Tracing.set(
          dev.trickle.observe.Tracing.of(
              io.opentelemetry.sdk.OpenTelemetrySdk.builder()
                  .setTracerProvider(
                      io.opentelemetry.sdk.trace.SdkTracerProvider.builder()
                          .addSpanProcessor(
                              io.opentelemetry.sdk.trace.export.BatchSpanProcessor.builder(discard)
                                  .build())
                          .build())
                  .build()));
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(() -> System.out.println("tracing on: " + exported.get() + " spans")));
    }
    new EndToEndBenchmark(parsed).run();
    System.exit(0);
  }

  private record Throughput(
      double writerSeconds,
      double trickleSeconds,
      double peekSeconds,
      double recvlogicalSeconds,
      long peekMessages) {}

  private record Latency(List<Double> sortedMs, LatencyStats.Summary service) {}

  private void run() throws Exception {
    PostgresBinaries bin = PostgresBinaries.preferSystem();
    cluster = LocalCluster.start(bin);
    jdbcUrl = cluster.jdbcUrl("postgres");
    try {
      setUpSource();
      try (Connection c = connect();
          Statement s = c.createStatement()) {
        s.execute("CREATE PUBLICATION " + BASE_SLOT + " FOR TABLE bench_src");
      }
      String loadBefore = loadAverage();
      List<Double> alone = new ArrayList<>();
      List<double[]> live = new ArrayList<>();
      for (int r = 0; r < reps; r++) {
        alone.add(writeWorkload());
        vacuum();
        log("writer alone, run %d: %.2f s", r + 1, alone.get(r));
        live.add(recvlogicalLive());
        vacuum();
        log(
            "writer with pg_recvlogical draining live, run %d: writer %.2f s, drained %.2f s",
            r + 1, live.get(r)[0], live.get(r)[1]);
      }
      Path yaml = writePipelineYaml();
      PipelineConfig cfg = new PipelineLoader(System.getenv(), Map.of()).load(yaml);
      Metrics metrics = metricsOn ? new Metrics() : Metrics.off();
      log("metrics %s", metricsOn ? "on" : "off");
      Latency latency;
      List<Throughput> through = new ArrayList<>();
      try (Pipeline pipeline = new Pipeline(cfg, metrics)) {
        long t0 = System.nanoTime();
        pipeline.start();
        waitReady(pipeline);
        log("pipeline ready in %.2f s", (System.nanoTime() - t0) / 1e9);
        awaitConverged(Duration.ofMinutes(2));
        latency = latency(metrics);
        for (int r = 0; r < reps; r++) {
          Throughput t = throughput();
          through.add(t);
          log(
              "throughput run %d: writer %.2f s, trickle %.2f s, peek %.2f s, pg_recvlogical %.2f"
                  + " s (%d pgoutput messages up to the writer's end LSN)",
              r + 1,
              t.writerSeconds(),
              t.trickleSeconds(),
              t.peekSeconds(),
              t.recvlogicalSeconds(),
              t.peekMessages());
          vacuum();
        }
      }
      report(bin, alone, live, latency, through, loadBefore + " / " + loadAverage());
    } finally {
      cluster.close();
    }
  }

  // ---------------------------------------------------------------- setup

  private Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl);
  }

  private void setUpSource() throws SQLException {
    lo = 1;
    hi = rows;
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE bench_src (id bigint PRIMARY KEY, a int, b text, c numeric)");
      s.execute(
          "INSERT INTO bench_src SELECT g, (g % 1000)::int - 100, 'row ' || g, g * 0.01"
              + " FROM generate_series(1, "
              + rows
              + ") g");
      s.execute("VACUUM ANALYZE bench_src");
    }
  }

  private void vacuum() throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("VACUUM ANALYZE bench_src");
      try (ResultSet rs = s.executeQuery("SELECT to_regclass('public.bench_scan') IS NOT NULL")) {
        rs.next();
        if (rs.getBoolean(1)) {
          s.execute("VACUUM ANALYZE bench_scan");
        }
      }
    }
  }

  private Path writePipelineYaml() throws IOException {
    String yaml =
        String.join(
            "\n",
            "version: 1",
            "database:",
            "  url: " + cluster.postgresUrl("postgres"),
            "cdc:",
            "  source: pgoutput",
            "  slot: bench",
            "  publication: bench",
            "stream_tables:",
            "  - name: public.bench_scan",
            "    query: " + QUERY,
            "    schedule: 100ms",
            "    refresh_mode: DIFFERENTIAL",
            "");
    Path file = Files.createTempFile("trickle-bench-", ".yaml");
    file.toFile().deleteOnExit();
    Files.writeString(file, yaml, StandardCharsets.UTF_8);
    return file;
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

  // ---------------------------------------------------------------- workload

  /**
   * Applies {@link #changes} row changes in transactions of {@link #txnRows}: 70% UPDATE of a
   * sliding id range, 15% DELETE of the lowest ids, 15% INSERT above the highest id.
   *
   * @return the writer's seconds
   */
  private double writeWorkload() throws SQLException {
    int upd = txnRows * 70 / 100;
    int del = txnRows * 15 / 100;
    int ins = txnRows - upd - del;
    if (del != ins) {
      throw new IllegalStateException("deletes and inserts must balance");
    }
    int txns = changes / txnRows;
    long span = (long) rows - del - upd;
    try (Connection c = connect()) {
      c.setAutoCommit(false);
      try (PreparedStatement u =
              c.prepareStatement("UPDATE bench_src SET a = a + 1 WHERE id BETWEEN ? AND ?");
          PreparedStatement d =
              c.prepareStatement("DELETE FROM bench_src WHERE id BETWEEN ? AND ?");
          PreparedStatement i =
              c.prepareStatement(
                  "INSERT INTO bench_src SELECT g, (g % 1000)::int - 100, 'row ' || g, g * 0.01"
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

  // ---------------------------------------------------------------- throughput

  private Throughput throughput() throws Exception {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("SELECT pg_create_logical_replication_slot('" + BASE_SLOT + "', 'pgoutput')");
    }
    long started = System.nanoTime();
    double writer = writeWorkload();
    String endLsn = currentLsn();
    awaitConverged(CONVERGE_TIMEOUT);
    double trickle = (System.nanoTime() - started) / 1e9;

    long peekMessages;
    long t0 = System.nanoTime();
    try (Connection c = connect();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT count(*) FROM pg_logical_slot_peek_binary_changes(?, ?::pg_lsn, NULL,"
                    + " 'proto_version', '1', 'publication_names', ?)")) {
      ps.setString(1, BASE_SLOT);
      ps.setString(2, endLsn);
      ps.setString(3, BASE_SLOT);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        peekMessages = rs.getLong(1);
      }
    }
    double peek = (System.nanoTime() - t0) / 1e9;
    double recv = recvlogical(endLsn);
    dropBaseSlot();
    return new Throughput(writer, trickle, peek, recv, peekMessages);
  }

  /**
   * The minimal consumer, live: pg_recvlogical drains a fresh slot while the workload is written.
   *
   * @return {writer seconds, seconds from the first write until the walsender sent the end LSN}
   */
  private double[] recvlogicalLive() throws Exception {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      s.execute("SELECT pg_create_logical_replication_slot('" + BASE_SLOT + "', 'pgoutput')");
    }
    Process p = recvlogicalProcess(null).start();
    try (Connection c = connect();
        PreparedStatement active =
            c.prepareStatement(
                "SELECT count(*) FROM pg_stat_replication WHERE application_name ="
                    + " 'pg_recvlogical' AND state = 'streaming'");
        PreparedStatement sent =
            c.prepareStatement(
                "SELECT sent_lsn >= ?::pg_lsn FROM pg_stat_replication WHERE application_name ="
                    + " 'pg_recvlogical'")) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (true) {
        try (ResultSet rs = active.executeQuery()) {
          rs.next();
          if (rs.getLong(1) > 0) {
            break;
          }
        }
        if (System.nanoTime() > deadline || !p.isAlive()) {
          throw new IllegalStateException("pg_recvlogical did not start streaming");
        }
        Thread.sleep(10);
      }
      long started = System.nanoTime();
      double writer = writeWorkload();
      String endLsn = currentLsn();
      sent.setString(1, endLsn);
      deadline = System.nanoTime() + CONVERGE_TIMEOUT.toNanos();
      while (true) {
        try (ResultSet rs = sent.executeQuery()) {
          if (rs.next() && rs.getBoolean(1)) {
            break;
          }
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("pg_recvlogical did not catch up");
        }
        Thread.sleep(5);
      }
      double drained = (System.nanoTime() - started) / 1e9;
      return new double[] {writer, drained};
    } finally {
      p.destroy();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
      dropBaseSlot();
    }
  }

  private void dropBaseSlot() throws SQLException, InterruptedException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      for (int attempt = 0; ; attempt++) {
        try {
          s.execute("SELECT pg_drop_replication_slot('" + BASE_SLOT + "')");
          return;
        } catch (SQLException e) {
          if (attempt >= 100) {
            throw e;
          }
          Thread.sleep(50); // the walsender may not have exited yet
        }
      }
    }
  }

  private String currentLsn() throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg"), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Drains the baseline slot up to {@code endLsn} with the Debian pg_recvlogical. */
  private double recvlogical(String endLsn) throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    Process p = recvlogicalProcess(endLsn).start();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("pg_recvlogical timed out");
    }
    double took = (System.nanoTime() - t0) / 1e9;
    if (p.exitValue() != 0) {
      throw new IllegalStateException("pg_recvlogical exited with " + p.exitValue());
    }
    return took;
  }

  /** A pg_recvlogical command on the baseline slot, stopping at {@code endLsn} unless null. */
  private ProcessBuilder recvlogicalProcess(String endLsn) {
    Path program = Path.of("/usr/lib/postgresql/15/bin/pg_recvlogical");
    if (!Files.isExecutable(program)) {
      program = cluster.binaries().program("pg_recvlogical");
    }
    List<String> cmd =
        new ArrayList<>(
            List.of(
                program.toString(),
                "-h",
                cluster.host(),
                "-p",
                Integer.toString(cluster.port()),
                "-U",
                "postgres",
                "-d",
                "postgres",
                "-S",
                BASE_SLOT,
                "--start",
                "--no-loop",
                "-o",
                "proto_version=1",
                "-o",
                "publication_names=" + BASE_SLOT,
                "-f",
                "/dev/null"));
    if (endLsn != null) {
      cmd.add("--endpos=" + endLsn);
    }
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
    pb.environment().put("PGAPPNAME", "pg_recvlogical");
    return pb;
  }

  private void awaitConverged(Duration timeout) throws SQLException, InterruptedException {
    String cols = "id, a, b, c";
    String sql =
        "SELECT count(*) FROM ((SELECT "
            + cols
            + " FROM bench_scan EXCEPT ALL "
            + QUERY
            + ") UNION ALL ("
            + QUERY
            + " EXCEPT ALL SELECT "
            + cols
            + " FROM bench_scan)) d";
    long deadline = System.nanoTime() + timeout.toNanos();
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      while (true) {
        try (ResultSet rs = s.executeQuery(sql)) {
          rs.next();
          if (rs.getLong(1) == 0) {
            return;
          }
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("stream table did not converge within " + timeout);
        }
        Thread.sleep(200);
      }
    }
  }

  // ---------------------------------------------------------------- latency

  private record Sample(long id, int value, long committedAtNanos) {}

  private Latency latency(Metrics metrics) throws Exception {
    ConcurrentLinkedQueue<Sample> outstanding = new ConcurrentLinkedQueue<>();
    double[] seen = new double[samples];
    AtomicBoolean writerDone = new AtomicBoolean();
    Exception[] readerError = new Exception[1];
    Thread reader =
        new Thread(
            () -> {
              int n = 0;
              try (Connection c = connect();
                  PreparedStatement ps =
                      c.prepareStatement(
                          // the key's hidden copy, unique in KEYED storage
                          "SELECT a FROM bench_scan WHERE __pgt_k1 = ?::bigint")) {
                while (n < samples) {
                  Sample head = outstanding.peek();
                  if (head == null) {
                    if (writerDone.get()) {
                      break;
                    }
                    Thread.sleep(1);
                    continue;
                  }
                  ps.setLong(1, head.id());
                  boolean visible = false;
                  try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next() && rs.getInt(1) == head.value()) {
                      visible = true;
                    }
                  }
                  if (visible) {
                    seen[n++] = (System.nanoTime() - head.committedAtNanos()) / 1e6;
                    outstanding.poll();
                  } else {
                    if (System.nanoTime() - head.committedAtNanos() > 60_000_000_000L) {
                      throw new IllegalStateException("update of id " + head.id() + " not seen");
                    }
                    Thread.sleep(2);
                  }
                }
              } catch (Exception e) {
                readerError[0] = e;
              }
            },
            "bench-reader");
    reader.start();
    long wrote = 0;
    try (Connection c = connect();
        PreparedStatement ps = c.prepareStatement("UPDATE bench_src SET a = ? WHERE id = ?")) {
      c.setAutoCommit(true);
      long next = System.nanoTime();
      for (int i = 0; i < samples; i++) {
        long id = lo + 1 + (long) i * ((hi - lo - 1) / samples);
        int value = 1_000_000 + i;
        ps.setInt(1, value);
        ps.setLong(2, id);
        expect(ps.executeUpdate(), 1, "UPDATE");
        outstanding.add(new Sample(id, value, System.nanoTime()));
        wrote++;
        next += TimeUnit.MILLISECONDS.toNanos(intervalMs);
        long wait = next - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
      }
    } finally {
      writerDone.set(true);
    }
    reader.join(TimeUnit.MINUTES.toMillis(2));
    if (readerError[0] != null) {
      throw readerError[0];
    }
    if (reader.isAlive()) {
      throw new IllegalStateException("reader did not finish");
    }
    log("latency: %d commits written", wrote);
    // Let the last refresh's metrics land.
    Thread.sleep(500);
    double[] sorted = seen.clone();
    Arrays.sort(sorted);
    List<Double> sortedList = Arrays.stream(sorted).boxed().toList();
    LatencyStats.Summary service =
        metrics
            .latencySummaries()
            .getOrDefault("public.bench_scan", new LatencyStats.Summary(0, 0, 0, 0, 0));
    return new Latency(sortedList, service);
  }

  // ---------------------------------------------------------------- report

  private void report(
      PostgresBinaries bin,
      List<Double> alone,
      List<double[]> live,
      Latency latency,
      List<Throughput> through,
      String load)
      throws SQLException, IOException {
    String pgVersion;
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT version()")) {
      rs.next();
      pgVersion = rs.getString(1);
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
        .append('\n');
    o.append("- /proc/loadavg at start / end: ").append(load).append('\n');
    o.append(
        String.format(
            Locale.ROOT,
            "- workload: %,d source rows; %,d row changes per run in transactions of %,d"
                + " (70%% UPDATE / 15%% DELETE / 15%% INSERT); %d runs, medians shown%n",
            rows,
            changes,
            txnRows,
            reps));

    double aloneS = median(alone);
    double writerS = median(through.stream().map(Throughput::writerSeconds).toList());
    double trickleS = median(through.stream().map(Throughput::trickleSeconds).toList());
    List<Double> liveWriter = live.stream().map(x -> x[0]).toList();
    List<Double> liveDrain = live.stream().map(x -> x[1]).toList();
    double liveWriterS = median(liveWriter);
    double liveDrainS = median(liveDrain);
    double peekS = median(through.stream().map(Throughput::peekSeconds).toList());
    double recvS = median(through.stream().map(Throughput::recvlogicalSeconds).toList());
    o.append("\n## Throughput (scan stream table, DIFFERENTIAL, schedule 100ms)\n\n");
    o.append("| measure | seconds (median) | row changes/s | runs (s) |\n|---|---:|---:|---|\n");
    row(o, "PostgreSQL writer alone (no slot)", aloneS, alone);
    row(o, "PostgreSQL writer with `pg_recvlogical` draining live", liveWriterS, liveWriter);
    row(
        o,
        "`pg_recvlogical` live (first write → walsender sent the writer's end LSN)",
        liveDrainS,
        liveDrain);
    row(
        o,
        "PostgreSQL writer with Trickle running",
        writerS,
        through.stream().map(Throughput::writerSeconds).toList());
    row(
        o,
        "**Trickle end to end** (first write → stream table = query)",
        trickleS,
        through.stream().map(Throughput::trickleSeconds).toList());
    row(
        o,
        "pgoutput decode in the server (second slot, peek)",
        peekS,
        through.stream().map(Throughput::peekSeconds).toList());
    row(
        o,
        "`pg_recvlogical` drain of the same changes (backlog, writer finished)",
        recvS,
        through.stream().map(Throughput::recvlogicalSeconds).toList());
    o.append(
        String.format(
            Locale.ROOT,
            "%nRatios of rates (medians): Trickle / pg_recvlogical live = %.2f; Trickle /"
                + " pg_recvlogical backlog drain = %.2f; Trickle / in-server decode = %.2f;"
                + " Trickle / writer alone = %.2f; writer with Trickle / writer alone = %.2f;"
                + " writer with Trickle / writer with pg_recvlogical = %.2f (bar >= 0.9).%n",
            liveDrainS / trickleS,
            recvS / trickleS,
            peekS / trickleS,
            aloneS / trickleS,
            aloneS / writerS,
            liveWriterS / writerS));
    double rate = changes / trickleS;
    o.append(
        String.format(
            Locale.ROOT,
            "Target >= 50,000 row changes/s end to end: %s (%,.0f/s).%n",
            rate >= 50_000 ? "MET" : "NOT MET",
            rate));

    double[] l = latency.sortedMs().stream().mapToDouble(Double::doubleValue).toArray();
    LatencyStats.Summary s = latency.service();
    o.append("\n## Commit-to-visible latency (single-row UPDATE every ")
        .append(intervalMs)
        .append(" ms, schedule 100ms)\n\n");
    o.append(
        "| measure | n | p50 ms | p95 ms | p99 ms | max ms |\n|---|---:|---:|---:|---:|---:|\n");
    o.append(
        String.format(
            Locale.ROOT,
            "| client commit return → reader sees it (2 ms polling) | %d | %.1f | %.1f | %.1f |"
                + " %.1f |%n",
            l.length,
            BenchmarkMachine.pct(l, 0.50),
            BenchmarkMachine.pct(l, 0.95),
            BenchmarkMachine.pct(l, 0.99),
            l.length == 0 ? 0 : l[l.length - 1]));
    o.append(
        String.format(
            Locale.ROOT,
            "| service metric pg_trickle_commit_to_visible_ms (source commit → refresh commit)"
                + " | %d | %.1f | %.1f | %.1f | %.1f |%n",
            s.count(),
            s.p50(),
            s.p95(),
            s.p99(),
            s.max()));
    o.append(
        String.format(
            Locale.ROOT,
            "%nTarget p50 <= 100 ms: %s (%.1f ms).%n",
            BenchmarkMachine.pct(l, 0.50) <= 100 ? "MET" : "NOT MET",
            BenchmarkMachine.pct(l, 0.50)));
    System.out.println(o);
    System.out.flush();
  }

  private void row(StringBuilder o, String name, double median, List<Double> runs) {
    o.append(
        String.format(
            Locale.ROOT,
            "| %s | %.2f | %,.0f | %s |%n",
            name,
            median,
            changes / median,
            runs.stream()
                .map(x -> String.format(Locale.ROOT, "%.2f", x))
                .reduce((a, b) -> a + ", " + b)
                .orElse("")));
  }

  private static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    if (a.length == 0) {
      return Double.NaN;
    }
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }

  /** Nearest-rank percentile of a sorted array. */
  private static void log(String format, Object... args) {
    System.out.println("[bench] " + String.format(Locale.ROOT, format, args));
    System.out.flush();
  }
}
