package dev.trickle.bench;

import com.sun.management.OperatingSystemMXBean;
import dev.trickle.bench.FleetQueries.Def;
import dev.trickle.config.PipelineConfig;
import dev.trickle.config.PipelineLoader;
import dev.trickle.observe.Metrics;
import dev.trickle.pg.LocalCluster;
import dev.trickle.pg.PostgresBinaries;
import dev.trickle.service.Pipeline;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadMXBean;
import java.math.BigDecimal;
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
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fleet of stream tables on one slot under a steady write load: {@code tables} stream tables (a
 * mix of scans, filters, GROUP BY aggregates, joins and aggregates over joins of five source
 * tables; schedule 1s, refresh mode AUTO) in one in-process pipeline, while one writer commits
 * {@code rate} source row changes per second in transactions of ten (INSERT, UPDATE and DELETE),
 * paced at a fixed rate. During the measured window it samples, every 100 ms, the JVM's CPU time
 * (the load generator's and the sampler's own threads subtracted, so it is the service's) and heap,
 * and every second the PostgreSQL server processes' CPU, the machine's and the pipeline's gauges.
 * Reported: the achieved change rate, the refreshes (from {@code pgtrickle.pgt_refresh_history}),
 * the service's commit-to-visible histogram over the window, CPU and heap, the replication lag when
 * the load stops and how long the stream tables take to catch up. Then every stream table is
 * compared with its query (EXCEPT ALL both ways); a difference exits 1 and writes nothing.
 *
 * <p>Not a unit test (the name does not end in {@code Test}). Run with {@code bench/fleet.sh
 * [tables=100] [rate=1000] [seconds=60] [warmup=10] [workers=N] [out=docs/BENCHMARKS.md]}; {@code
 * workers} sets {@code scheduler.max_workers} (default: the service's default).
 */
public final class FleetBenchmark {
  private static final String DB = "fleet";
  private static final int TXN_CHANGES = 10;
  private static final int BRANCHES = 200;
  private static final int ACCOUNTS = 20_000;
  private static final int PRODUCTS = 10_000;
  private static final int TRANSFERS = 50_000;
  private static final int ORDERS = 50_000;
  private static final long SAMPLE_MS = 100;
  private static final int SLOW_EVERY = 10;

  /** Clock ticks per second of /proc (USER_HZ; 100 on Linux, see getconf CLK_TCK). */
  private static final double CLOCK_TICKS = 100.0;

  private static final String SCHEDULE = "1s";
  private static final String MODE = "AUTO";
  private static final Duration READY_TIMEOUT = Duration.ofMinutes(15);
  private static final Duration CATCH_UP_TIMEOUT = Duration.ofMinutes(10);

  private static final Map<String, String> FAMILY_NAMES =
      Map.of(
          "scan", "scan",
          "filter", "filter",
          "agg", "GROUP BY aggregate",
          "join", "join",
          "joinagg", "aggregate over a join");

  /** Account statuses, also what the filters select on. */
  static final String[] STATUSES = {"active", "frozen", "closed"};

  private static final Pattern LE = Pattern.compile("[{,]le=\"([^\"]+)\"");
  private static final Pattern STATUS = Pattern.compile("[{,]status=\"([^\"]+)\"");

  private final int tables;
  private final int rate;
  private final int seconds;
  private final int warmup;
  private final int workers;
  private final Path out;
  private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
  private final OperatingSystemMXBean os =
      (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private LocalCluster cluster;
  private String url;
  private Metrics metrics;
  private long postmasterPid;
  private int maxWorkers;

  private FleetBenchmark(Map<String, String> args) {
    this.tables = Integer.parseInt(args.getOrDefault("tables", "100"));
    this.rate = Integer.parseInt(args.getOrDefault("rate", "1000"));
    this.seconds = Integer.parseInt(args.getOrDefault("seconds", "60"));
    this.warmup = Integer.parseInt(args.getOrDefault("warmup", "10"));
    this.workers = Integer.parseInt(args.getOrDefault("workers", "0"));
    this.out = args.containsKey("out") ? Path.of(args.get("out")) : null;
    if (tables < 1 || rate < 1 || seconds < 1 || warmup < 0 || workers < 0) {
      throw new IllegalArgumentException("tables, rate and seconds must be positive");
    }
  }

  /**
   * Runs the benchmark, prints a markdown report and, with {@code out=FILE}, writes it between the
   * {@code <!-- fleet:begin -->} and {@code <!-- fleet:end -->} markers of that file.
   *
   * @param args optional {@code tables=}, {@code rate=}, {@code seconds=}, {@code warmup=}, {@code
   *     workers=}, {@code out=}
   * @throws Exception on failure (a stream table that differs from its query exits 1)
   */
  public static void main(String[] args) throws Exception {
    Set<String> known = Set.of("tables", "rate", "seconds", "warmup", "workers", "out");
    Map<String, String> parsed = new HashMap<>();
    for (String a : args) {
      String[] kv = a.split("=", 2);
      if (kv.length != 2 || !known.contains(kv[0])) {
        throw new IllegalArgumentException("unknown argument " + a + " (allowed: " + known + ")");
      }
      parsed.put(kv[0], kv[1].replace("_", ""));
    }
    int code;
    try {
      code = new FleetBenchmark(parsed).run();
    } catch (Exception | Error e) {
      e.printStackTrace();
      code = 1;
    }
    System.out.flush();
    System.exit(code);
  }

  // ---------------------------------------------------------------- the run

  private int run() throws Exception {
    List<Def> defs = FleetQueries.definitions(tables);
    PostgresBinaries bin = PostgresBinaries.preferSystem();
    cluster = LocalCluster.start(bin);
    try {
      cluster.createDatabase(DB);
      url = cluster.jdbcUrl(DB);
      postmasterPid =
          Long.parseLong(
              Files.readAllLines(cluster.dataDir().resolve("postmaster.pid")).get(0).strip());
      seed();
      PipelineConfig cfg =
          new PipelineLoader(System.getenv(), Map.of()).load(writePipelineYaml(defs));
      maxWorkers = cfg.settings().scheduler().maxWorkers();
      metrics = new Metrics();
      // Finer buckets for the commit-to-visible histogram (the service's own are 1, 2, 5, 10, 20,
      // 50, 100, 200, 500, 1000, 2000 ms ...), so that its percentiles can be read off a scrape.
      metrics
          .registry()
          .config()
          .meterFilter(
              new MeterFilter() {
                @Override
                public DistributionStatisticConfig configure(
                    Meter.Id id, DistributionStatisticConfig config) {
                  if (!id.getName().equals(Metrics.COMMIT_TO_VISIBLE)) {
                    return config;
                  }
                  return DistributionStatisticConfig.builder()
                      .percentilesHistogram(true)
                      .minimumExpectedValue(1.0)
                      .maximumExpectedValue(900_000.0)
                      .build()
                      .merge(config);
                }
              });
      try (Pipeline pipeline = new Pipeline(cfg, metrics)) {
        long t0 = System.nanoTime();
        pipeline.start();
        waitReady(pipeline);
        double readySeconds = (System.nanoTime() - t0) / 1e9;
        log("pipeline with %d stream tables ready in %.1f s", defs.size(), readySeconds);
        Report report = load();
        report.readySeconds = readySeconds;
        List<String> differing = verify(defs, report);
        System.gc();
        Thread.sleep(200);
        System.gc();
        report.heapAfterGc = memory.getHeapMemoryUsage().getUsed();
        history(report);
        report.pgVersion = scalar("SELECT version()");
        String md = markdown(defs, report, bin);
        System.out.println(md);
        if (!differing.isEmpty()) {
          log(
              "FAILED: %d stream table(s) differ from their query: %s",
              differing.size(), differing);
          return 1;
        }
        if (out != null) {
          BenchmarkDoc.writeSection(out, "fleet", md);
          log("written into %s", out);
        }
        return 0;
      }
    } finally {
      cluster.close();
    }
  }

  private void seed() throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE branches (id int PRIMARY KEY, region int NOT NULL, name text)");
      s.execute(
          "CREATE TABLE accounts (id bigint PRIMARY KEY, branch_id int NOT NULL, owner text,"
              + " balance numeric(14,2) NOT NULL, status text NOT NULL)");
      s.execute(
          "CREATE TABLE products (id int PRIMARY KEY, category int NOT NULL, name text,"
              + " price numeric(10,2) NOT NULL)");
      s.execute(
          "CREATE TABLE transfers (id bigint PRIMARY KEY, src_account bigint NOT NULL,"
              + " dst_account bigint NOT NULL, amount numeric(12,2) NOT NULL, kind int NOT NULL,"
              + " created_at timestamptz NOT NULL DEFAULT now())");
      s.execute(
          "CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint NOT NULL, product_id int"
              + " NOT NULL, qty int NOT NULL, status int NOT NULL)");
      s.execute(
          "INSERT INTO branches SELECT g, g % 10, 'Branch ' || g FROM generate_series(1::bigint, "
              + BRANCHES
              + ") g");
      s.execute(
          "INSERT INTO accounts SELECT g, 1 + g % "
              + BRANCHES
              + ", 'owner ' || g, (g * 37 % 1000000) / 100.0, CASE WHEN g % 20 < 16 THEN 'active'"
              + " WHEN g % 20 < 19 THEN 'frozen' ELSE 'closed' END FROM generate_series(1::bigint, "
              + ACCOUNTS
              + ") g");
      s.execute(
          "INSERT INTO products SELECT g, g % 20, 'product ' || g, 1 + (g * 13 % 49900) / 100.0"
              + " FROM generate_series(1::bigint, "
              + PRODUCTS
              + ") g");
      s.execute(
          "INSERT INTO transfers SELECT g, 1 + g * 7919 % "
              + ACCOUNTS
              + ", 1 + g * 104729 % "
              + ACCOUNTS
              + ", (g * 31 % 1000000) / 100.0, g % 8, now() FROM generate_series(1::bigint, "
              + TRANSFERS
              + ") g");
      s.execute(
          "INSERT INTO orders SELECT g, 1 + g * 17 % "
              + ACCOUNTS
              + ", 1 + g * 29 % "
              + PRODUCTS
              + ", 1 + g % 10, g % 5 FROM generate_series(1::bigint, "
              + ORDERS
              + ") g");
      s.execute("VACUUM ANALYZE");
    }
  }

  private Path writePipelineYaml(List<Def> defs) throws IOException {
    StringBuilder y = new StringBuilder();
    y.append("version: 1\ndatabase:\n  url: ")
        .append(cluster.postgresUrl(DB))
        .append("\ncdc:\n  source: pgoutput\n  slot: ")
        .append(DB)
        .append("\n  publication: ")
        .append(DB)
        .append('\n');
    if (workers > 0) {
      y.append("settings:\n  scheduler:\n    max_workers: ").append(workers).append('\n');
    }
    y.append("stream_tables:\n");
    for (Def d : defs) {
      y.append("  - name: public.")
          .append(d.name())
          .append("\n    query: '")
          .append(d.query().replace("'", "''"))
          .append('\'')
          .append("\n    schedule: ")
          .append(SCHEDULE)
          .append("\n    refresh_mode: ")
          .append(MODE)
          .append('\n');
    }
    Path file = Files.createTempFile("trickle-fleet-", ".yaml");
    file.toFile().deleteOnExit();
    Files.writeString(file, y.toString(), StandardCharsets.UTF_8);
    return file;
  }

  private static void waitReady(Pipeline pipeline) throws InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (!pipeline.isReady()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "pipeline not ready: " + pipeline.notReadyReason().orElse("?"));
      }
      Thread.sleep(50);
    }
  }

  // ---------------------------------------------------------------- load and sampling

  /** What one run measured; filled in step by step. */
  private static final class Report {
    double readySeconds;
    String loadBefore;
    String loadAfter;
    String pgVersion;
    long windowChanges;
    double windowSeconds;
    long totalChanges;
    long[] changeKinds = new long[3];
    double[] txnMillis = new double[0];
    long maxSlipMillis;
    long walBytes;
    List<FastSample> fast = new ArrayList<>();
    List<SlowSample> slow = new ArrayList<>();
    Scrape scrapeStart;
    Scrape scrapeEnd;
    OffsetDateTime dbStart;
    OffsetDateTime dbEnd;
    long gcCount;
    long gcMillis;
    double lagGaugeAtStop;
    double pendingAtStop;
    long slotLagAtStop;
    double catchUpSeconds;
    long heapAfterGc;
    long streamTableRows;
    int verifyRounds;
    int equal;
    Map<String, Long> strategies = new TreeMap<>();
    Map<String, Map<String, Long>> familyStrategies = new TreeMap<>();
    List<String> historyRows = new ArrayList<>();
    long refreshes;
    long failedRefreshes;
    Map<String, Long> modes = new TreeMap<>();
    double refreshBusySeconds;
    double[] refreshPercentiles = new double[4];
    double meanSourceTxns;
    long failedAllRun;
  }

  /** Every 100 ms: CPU times in nanoseconds, heap in bytes, and the pipeline's gauges. */
  private record FastSample(
      long at,
      long processCpu,
      long excludedCpu,
      long heapUsed,
      double pending,
      double lagBytes,
      double workersActive,
      double bufferBytes) {}

  /** Every second: clock ticks of the PostgreSQL server processes and of the machine. */
  private record SlowSample(long at, long pgTicks, long machineBusyTicks, long machineTotalTicks) {}

  /** Commit-to-visible buckets (cumulative, summed over stream tables) and refresh counts. */
  private record Scrape(
      TreeMap<Double, Double> buckets,
      double count,
      double sum,
      Map<String, Double> refreshes,
      double refreshSeconds) {}

  private Report load() throws Exception {
    Report r = new Report();
    r.loadBefore = loadAverage();
    AtomicReference<Thread> writerThread = new AtomicReference<>();
    ScheduledThreadPoolExecutor exec =
        new ScheduledThreadPoolExecutor(
            1,
            task -> {
              Thread t = new Thread(task, "fleet-writer");
              t.setDaemon(true);
              writerThread.set(t);
              return t;
            });
    Writer writer = new Writer(DriverManager.getConnection(url));
    long period = TimeUnit.SECONDS.toNanos(TXN_CHANGES) / rate;
    long t0 = System.nanoTime();
    writer.startedAt = t0;
    writer.period = period;
    boolean stoppedInTime;
    ScheduledFuture<?> pacing = exec.scheduleAtFixedRate(writer, 0, period, TimeUnit.NANOSECONDS);
    try {
      sleepUntil(t0 + TimeUnit.SECONDS.toNanos(warmup), writer);
      log("warm-up done: %,d changes committed", writer.committed.get());
      r.scrapeStart = scrape();
      r.dbStart = dbClock();
      String walStart = scalar("SELECT pg_current_wal_lsn()::text");
      long gcCount0 = ProcessTicks.gcCount();
      long gcMillis0 = ProcessTicks.gcMillis();
      long changes0 = writer.committed.get();
      long w0 = System.nanoTime();
      writer.measuring = true;
      Sampler sampler = new Sampler(writerThread.get().getId());
      Thread samplerThread = new Thread(sampler, "fleet-sampler");
      samplerThread.setDaemon(true);
      samplerThread.start();
      long end = w0 + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < end) {
        sleepUntil(Math.min(end, System.nanoTime() + TimeUnit.SECONDS.toNanos(5)), writer);
        FastSample f = sampler.lastFast.get();
        log(
            "%4.0f s: %,d changes in the window, pending %.0f txns, lag %.0f B, workers %.0f,"
                + " heap %.0f MB",
            (System.nanoTime() - w0) / 1e9,
            writer.committed.get() - changes0,
            f == null ? Double.NaN : f.pending(),
            f == null ? Double.NaN : f.lagBytes(),
            f == null ? Double.NaN : f.workersActive(),
            f == null ? Double.NaN : f.heapUsed() / 1048576.0);
      }
      sampler.running.set(false);
      samplerThread.join();
      writer.measuring = false;
      r.windowChanges = writer.committed.get() - changes0;
      r.windowSeconds = (System.nanoTime() - w0) / 1e9;
      r.fast = sampler.fast;
      r.slow = sampler.slow;
      r.gcCount = ProcessTicks.gcCount() - gcCount0;
      r.gcMillis = ProcessTicks.gcMillis() - gcMillis0;
      r.dbEnd = dbClock();
      r.walBytes =
          Long.parseLong(
              scalar("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '" + walStart + "')::bigint"));
      r.scrapeEnd = scrape();
    } finally {
      pacing.cancel(false);
      exec.shutdown();
      stoppedInTime = exec.awaitTermination(1, TimeUnit.MINUTES);
      writer.close();
    }
    if (!stoppedInTime) {
      throw new IllegalStateException("the writer did not stop");
    }
    if (writer.failure.get() != null) {
      throw new IllegalStateException("the writer failed", writer.failure.get());
    }
    long stopped = System.nanoTime();
    r.totalChanges = writer.committed.get();
    r.changeKinds = writer.kinds.clone();
    r.txnMillis =
        writer.windowTxnMillis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    r.maxSlipMillis = writer.maxSlipNanos / 1_000_000;
    String endLsn = scalar("SELECT pg_current_wal_lsn()::text");
    r.lagGaugeAtStop = gauge("pg_trickle.replication.lag.bytes");
    r.pendingAtStop = gauge("pg_trickle.pending.transactions");
    r.slotLagAtStop =
        Long.parseLong(
            scalar(
                "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint FROM"
                    + " pg_replication_slots WHERE slot_name = '"
                    + DB
                    + "'"));
    log(
        "load stopped after %,d changes; at stop: pending %.0f txns, Trickle lag gauge %.0f B,"
            + " slot lag %,d B",
        r.totalChanges, r.pendingAtStop, r.lagGaugeAtStop, r.slotLagAtStop);
    r.catchUpSeconds = catchUp(endLsn, stopped);
    log("caught up %.2f s after the load stopped", r.catchUpSeconds);
    r.loadAfter = loadAverage();
    return r;
  }

  private static void sleepUntil(long nanos, Writer writer) throws InterruptedException {
    while (true) {
      if (writer.failure.get() != null) {
        throw new IllegalStateException("the writer failed", writer.failure.get());
      }
      long left = nanos - System.nanoTime();
      if (left <= 0) {
        return;
      }
      TimeUnit.NANOSECONDS.sleep(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
    }
  }

  /**
   * Seconds from the load's end until nothing is pending in the service and the walsender has sent
   * everything the writer wrote, twice in a row 100 ms apart.
   */
  private double catchUp(String endLsn, long stopped) throws Exception {
    long deadline = stopped + CATCH_UP_TIMEOUT.toNanos();
    int ok = 0;
    try (Connection c = DriverManager.getConnection(url);
        PreparedStatement sent =
            c.prepareStatement(
                "SELECT r.sent_lsn >= ?::pg_lsn FROM pg_replication_slots s JOIN"
                    + " pg_stat_replication r ON r.pid = s.active_pid WHERE s.slot_name = ?")) {
      sent.setString(1, endLsn);
      sent.setString(2, DB);
      long firstOk = 0;
      while (true) {
        boolean sentAll;
        try (ResultSet rs = sent.executeQuery()) {
          sentAll = rs.next() && rs.getBoolean(1);
        }
        if (sentAll && gauge("pg_trickle.pending.transactions") == 0) {
          if (ok++ == 0) {
            firstOk = System.nanoTime();
          }
          if (ok >= 2) {
            return (firstOk - stopped) / 1e9;
          }
        } else {
          ok = 0;
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "the stream tables did not catch up within " + CATCH_UP_TIMEOUT);
        }
        Thread.sleep(100);
      }
    }
  }

  /** The load generator: one transaction of {@link #TXN_CHANGES} row changes per run. */
  private static final class Writer implements Runnable, AutoCloseable {
    private final Connection c;
    private final Random rnd = new Random(42);
    private final PreparedStatement trIns;
    private final PreparedStatement trDel;
    private final PreparedStatement trUpd;
    private final PreparedStatement acIns;
    private final PreparedStatement acDel;
    private final PreparedStatement acUpd;
    private final PreparedStatement orIns;
    private final PreparedStatement orDel;
    private final PreparedStatement orUpd;
    private final PreparedStatement prUpd;
    private final PreparedStatement brUpd;
    final AtomicLong committed = new AtomicLong();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final long[] kinds = new long[3]; // inserts, updates, deletes
    final List<Double> windowTxnMillis = new ArrayList<>();
    volatile boolean measuring;
    long startedAt;
    long period;
    long runs;
    long maxSlipNanos;
    private long acLo = 1;
    private long acHi = ACCOUNTS;
    private long trLo = 1;
    private long trHi = TRANSFERS;
    private long orLo = 1;
    private long orHi = ORDERS;
    private long branchVersion;

    Writer(Connection c) throws SQLException {
      this.c = c;
      c.setAutoCommit(false);
      trIns = c.prepareStatement("INSERT INTO transfers VALUES (?, ?, ?, ?, ?, now())");
      trDel = c.prepareStatement("DELETE FROM transfers WHERE id = ?");
      trUpd = c.prepareStatement("UPDATE transfers SET amount = ? WHERE id = ?");
      acIns = c.prepareStatement("INSERT INTO accounts VALUES (?, ?, ?, ?, ?)");
      acDel = c.prepareStatement("DELETE FROM accounts WHERE id = ?");
      acUpd =
          c.prepareStatement(
              "UPDATE accounts SET balance = greatest(0, balance + ?), status = ? WHERE id = ?");
      orIns = c.prepareStatement("INSERT INTO orders VALUES (?, ?, ?, ?, ?)");
      orDel = c.prepareStatement("DELETE FROM orders WHERE id = ?");
      orUpd = c.prepareStatement("UPDATE orders SET status = ?, qty = ? WHERE id = ?");
      prUpd = c.prepareStatement("UPDATE products SET price = ? WHERE id = ?");
      brUpd = c.prepareStatement("UPDATE branches SET region = ?, name = ? WHERE id = ?");
    }

    @Override
    public void run() {
      if (failure.get() != null) {
        return;
      }
      long began = System.nanoTime();
      if (measuring) {
        maxSlipNanos = Math.max(maxSlipNanos, began - (startedAt + runs * period));
      }
      runs++;
      try {
        for (int i = 0; i < TXN_CHANGES; i++) {
          change();
        }
        c.commit();
        committed.addAndGet(TXN_CHANGES);
        if (measuring) {
          windowTxnMillis.add((System.nanoTime() - began) / 1e6);
        }
      } catch (SQLException | RuntimeException e) {
        failure.compareAndSet(null, e);
      }
    }

    /** One row change; the weights sum to 10 (2.75 INSERT, 4.5 UPDATE, 2.75 DELETE). */
    private void change() throws SQLException {
      double x = rnd.nextDouble() * 10;
      if ((x -= 1.5) < 0) { // insert a transfer
        trIns.setLong(1, ++trHi);
        trIns.setLong(2, account());
        trIns.setLong(3, account());
        trIns.setBigDecimal(4, BigDecimal.valueOf(rnd.nextInt(1_000_000), 2));
        trIns.setInt(5, rnd.nextInt(8));
        exec(trIns, 0);
      } else if ((x -= 1.5) < 0) { // delete the oldest transfer
        trDel.setLong(1, trLo++);
        exec(trDel, 2);
      } else if ((x -= 1.0) < 0) {
        trUpd.setBigDecimal(1, BigDecimal.valueOf(rnd.nextInt(1_000_000), 2));
        trUpd.setLong(2, rnd.nextLong(trLo, trHi + 1));
        exec(trUpd, 1);
      } else if ((x -= 1.75) < 0) {
        acUpd.setBigDecimal(1, BigDecimal.valueOf(rnd.nextInt(100_001) - 50_000, 2));
        acUpd.setString(2, status());
        acUpd.setLong(3, account());
        exec(acUpd, 1);
      } else if ((x -= 0.25) < 0) {
        acIns.setLong(1, ++acHi);
        acIns.setInt(2, 1 + rnd.nextInt(BRANCHES));
        acIns.setString(3, "owner " + acHi);
        acIns.setBigDecimal(4, BigDecimal.valueOf(rnd.nextInt(1_000_000), 2));
        acIns.setString(5, status());
        exec(acIns, 0);
      } else if ((x -= 0.25) < 0) {
        acDel.setLong(1, acLo++);
        exec(acDel, 2);
      } else if ((x -= 1.0) < 0) {
        orIns.setLong(1, ++orHi);
        orIns.setLong(2, account());
        orIns.setInt(3, 1 + rnd.nextInt(PRODUCTS));
        orIns.setInt(4, 1 + rnd.nextInt(10));
        orIns.setInt(5, rnd.nextInt(5));
        exec(orIns, 0);
      } else if ((x -= 1.0) < 0) {
        orDel.setLong(1, orLo++);
        exec(orDel, 2);
      } else if ((x -= 1.25) < 0) {
        orUpd.setInt(1, rnd.nextInt(5));
        orUpd.setInt(2, 1 + rnd.nextInt(10));
        orUpd.setLong(3, rnd.nextLong(orLo, orHi + 1));
        exec(orUpd, 1);
      } else if ((x -= 0.4) < 0) {
        prUpd.setBigDecimal(1, BigDecimal.valueOf(100 + rnd.nextInt(49_901), 2));
        prUpd.setInt(2, 1 + rnd.nextInt(PRODUCTS));
        exec(prUpd, 1);
      } else {
        int id = 1 + rnd.nextInt(BRANCHES);
        brUpd.setInt(1, rnd.nextInt(10));
        brUpd.setString(2, "Branch " + id + " v" + ++branchVersion);
        brUpd.setInt(3, id);
        exec(brUpd, 1);
      }
    }

    private long account() {
      return rnd.nextLong(acLo, acHi + 1);
    }

    private String status() {
      int p = rnd.nextInt(20);
      return p < 16 ? STATUSES[0] : p < 19 ? STATUSES[1] : STATUSES[2];
    }

    private void exec(PreparedStatement ps, int kind) throws SQLException {
      int n = ps.executeUpdate();
      if (n != 1) {
        throw new IllegalStateException("a change touched " + n + " rows, not 1");
      }
      kinds[kind]++;
    }

    @Override
    public void close() throws SQLException {
      c.close();
    }
  }

  /**
   * Samples the JVM's CPU and heap and the pipeline's gauges every 100 ms (refreshes come in waves
   * on the 1s schedule, so a once-a-second gauge would always see the same phase of them), and the
   * PostgreSQL and machine CPU every second, until told to stop.
   */
  private final class Sampler implements Runnable {
    final AtomicBoolean running = new AtomicBoolean(true);
    final List<FastSample> fast = new ArrayList<>();
    final List<SlowSample> slow = new ArrayList<>();
    final AtomicReference<FastSample> lastFast = new AtomicReference<>();
    private final long writerThreadId;

    Sampler(long writerThreadId) {
      this.writerThreadId = writerThreadId;
    }

    @Override
    public void run() {
      long next = System.nanoTime();
      for (int i = 0; ; i++) {
        boolean last = !running.get();
        long now = System.nanoTime();
        long excluded =
            threads.getThreadCpuTime(writerThreadId) + threads.getCurrentThreadCpuTime();
        FastSample f =
            new FastSample(
                now,
                os.getProcessCpuTime(),
                excluded,
                memory.getHeapMemoryUsage().getUsed(),
                gauge("pg_trickle.pending.transactions"),
                gauge("pg_trickle.replication.lag.bytes"),
                gauge("pg_trickle.workers.active"),
                gauge("pg_trickle.buffer.bytes"));
        fast.add(f);
        lastFast.set(f);
        if (i % SLOW_EVERY == 0 || last) {
          long[] machine = ProcessTicks.machineTicks();
          slow.add(
              new SlowSample(
                  now, ProcessTicks.postgresTicks(postmasterPid), machine[0], machine[1]));
        }
        if (last) {
          return;
        }
        next += TimeUnit.MILLISECONDS.toNanos(SAMPLE_MS);
        long wait = next - System.nanoTime();
        if (wait > 0) {
          try {
            TimeUnit.NANOSECONDS.sleep(wait);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }
  }

  private double gauge(String name) {
    Gauge g = metrics.registry().find(name).gauge();
    return g == null ? Double.NaN : g.value();
  }

  /** The commit-to-visible buckets and the refresh counts of a Prometheus scrape. */
  private Scrape scrape() {
    TreeMap<Double, Double> buckets = new TreeMap<>();
    double count = 0;
    double sum = 0;
    Map<String, Double> refreshes = new TreeMap<>();
    double refreshSeconds = 0;
    String prefix = Metrics.COMMIT_TO_VISIBLE;
    for (String line : metrics.scrape().split("\n", -1)) {
      int close = line.lastIndexOf('}');
      if (line.startsWith("#") || close < 0) {
        continue;
      }
      String[] rest = line.substring(close + 1).strip().split(" ", -1);
      double value;
      try {
        value = Double.parseDouble(rest[0]);
      } catch (NumberFormatException e) {
        throw new IllegalStateException("cannot read the metric line " + line, e);
      }
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
      } else if (line.startsWith(prefix + "_sum{")) {
        sum += value;
      } else if (line.startsWith("pg_trickle_refresh_duration_seconds_count{")) {
        Matcher m = STATUS.matcher(line);
        refreshes.merge(m.find() ? m.group(1) : "?", value, Double::sum);
      } else if (line.startsWith("pg_trickle_refresh_duration_seconds_sum{")) {
        refreshSeconds += value;
      }
    }
    return new Scrape(buckets, count, sum, refreshes, refreshSeconds);
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

  // ---------------------------------------------------------------- verification and history

  /** Compares every stream table with its query; returns those that still differ. */
  private List<String> verify(List<Def> defs, Report r) throws Exception {
    List<Def> left = new ArrayList<>(defs);
    long started = System.nanoTime();
    for (int round = 1; ; round++) {
      List<Def> differing = new ArrayList<>();
      long rows = 0;
      try (Connection c = DriverManager.getConnection(url);
          Statement s = c.createStatement()) {
        for (Def d : left) {
          String cols;
          try (ResultSet rs =
              s.executeQuery(
                  "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute"
                      + " WHERE attrelid = 'public."
                      + d.name()
                      + "'::regclass AND attnum > 0 AND NOT attisdropped AND attname NOT LIKE"
                      + " '\\_\\_pgt\\_%'")) {
            rs.next();
            cols = rs.getString(1);
          }
          String st = "SELECT " + cols + " FROM public." + d.name();
          try (ResultSet rs =
              s.executeQuery(
                  "SELECT (SELECT count(*) FROM public."
                      + d.name()
                      + "), (SELECT count(*) FROM (("
                      + st
                      + " EXCEPT ALL ("
                      + d.query()
                      + ")) UNION ALL (("
                      + d.query()
                      + ") EXCEPT ALL "
                      + st
                      + ")) x)")) {
            rs.next();
            rows += rs.getLong(1);
            if (rs.getLong(2) != 0) {
              differing.add(d);
              log(
                  "%s differs from its query in %d rows (round %d)",
                  d.name(), rs.getLong(2), round);
            }
          }
        }
      }
      if (round == 1) {
        r.streamTableRows = rows;
      }
      if (differing.isEmpty() || round >= 5) {
        r.verifyRounds = round;
        r.equal = defs.size() - differing.size();
        log(
            "verified in %.1f s: %d of %d stream tables equal their query",
            (System.nanoTime() - started) / 1e9, r.equal, defs.size());
        return differing.stream().map(Def::name).toList();
      }
      left = differing;
      Thread.sleep(2_000);
    }
  }

  private void history(Report r) throws SQLException {
    try (Connection c = DriverManager.getConnection(url)) {
      try (Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT regexp_replace(pgt_name, '^.*_', ''), strategy, count(*) FROM"
                      + " pgtrickle.pgt_stream_tables GROUP BY 1, 2 ORDER BY 1, 2")) {
        while (rs.next()) {
          r.strategies.merge(rs.getString(2), rs.getLong(3), Long::sum);
          r.familyStrategies
              .computeIfAbsent(rs.getString(1), k -> new TreeMap<>())
              .put(rs.getString(2), rs.getLong(3));
        }
      }
      String window =
          " FROM pgtrickle.pgt_refresh_history WHERE finished_at >= ? AND finished_at < ?";
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT count(*) FILTER (WHERE status = 'SUCCESS'), count(*) FILTER (WHERE status ="
                  + " 'ERROR'), coalesce(sum(extract(epoch FROM"
                  + " finished_at - started_at)) FILTER (WHERE status = 'SUCCESS'), 0),"
                  + " percentile_cont(ARRAY[0.5, 0.95, 0.99, 1.0]) WITHIN GROUP (ORDER BY"
                  + " extract(epoch FROM finished_at - started_at) * 1000) FILTER (WHERE status ="
                  + " 'SUCCESS'), avg(source_txns) FILTER (WHERE status = 'SUCCESS')"
                  + window)) {
        bindWindow(ps, r);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          r.refreshes = rs.getLong(1);
          r.failedRefreshes = rs.getLong(2);
          r.refreshBusySeconds = rs.getDouble(3);
          java.sql.Array a = rs.getArray(4);
          if (a != null) {
            Object[] values = (Object[]) a.getArray();
            for (int i = 0; i < 4; i++) {
              r.refreshPercentiles[i] = ((Number) values[i]).doubleValue();
            }
          }
          r.meanSourceTxns = rs.getDouble(5);
        }
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT mode || ' (' || reason_code || ')', count(*)"
                  + window
                  + " AND status = 'SUCCESS' GROUP BY 1 ORDER BY 2 DESC")) {
        bindWindow(ps, r);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            r.modes.put(rs.getString(1), rs.getLong(2));
          }
        }
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT regexp_replace(stream_table, '^.*_', ''), count(*), percentile_cont(0.5)"
                  + " WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000),"
                  + " percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at"
                  + " - started_at) * 1000), sum(extract(epoch FROM finished_at - started_at)),"
                  + " avg(delta_rows), count(*) FILTER (WHERE mode = 'FULL')"
                  + window
                  + " AND status = 'SUCCESS' GROUP BY 1")) {
        bindWindow(ps, r);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            r.historyRows.add(
                String.join(
                    "\t",
                    rs.getString(1),
                    Long.toString(rs.getLong(2)),
                    Double.toString(rs.getDouble(3)),
                    Double.toString(rs.getDouble(4)),
                    Double.toString(rs.getDouble(5)),
                    Double.toString(rs.getDouble(6)),
                    Long.toString(rs.getLong(7))));
          }
        }
      }
      try (Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE status <> 'SUCCESS'")) {
        rs.next();
        r.failedAllRun = rs.getLong(1);
      }
    }
  }

  private static void bindWindow(PreparedStatement ps, Report r) throws SQLException {
    ps.setObject(1, r.dbStart);
    ps.setObject(2, r.dbEnd);
  }

  private OffsetDateTime dbClock() throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT clock_timestamp()")) {
      rs.next();
      return rs.getObject(1, OffsetDateTime.class);
    }
  }

  private String scalar(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      if (!rs.next()) {
        throw new IllegalStateException("no row from " + sql);
      }
      return rs.getString(1);
    }
  }

  // ---------------------------------------------------------------- report

  private String markdown(List<Def> defs, Report r, PostgresBinaries bin) throws IOException {
    int cores = Runtime.getRuntime().availableProcessors();
    double window = r.windowSeconds;
    List<FastSample> fs = r.fast;
    FastSample first = fs.get(0);
    FastSample last = fs.get(fs.size() - 1);
    double span = (last.at() - first.at()) / 1e9;
    double trickleCores =
        ((last.processCpu() - last.excludedCpu()) - (first.processCpu() - first.excludedCpu()))
            / 1e9
            / span;
    double processCores = (last.processCpu() - first.processCpu()) / 1e9 / span;
    double[] perInterval = new double[fs.size() - 1];
    double[] heap = new double[fs.size()];
    for (int i = 0; i < fs.size(); i++) {
      heap[i] = fs.get(i).heapUsed() / 1048576.0;
      if (i > 0) {
        FastSample a = fs.get(i - 1);
        FastSample b = fs.get(i);
        perInterval[i - 1] =
            ((b.processCpu() - b.excludedCpu()) - (a.processCpu() - a.excludedCpu()))
                / (double) (b.at() - a.at());
      }
    }
    Arrays.sort(perInterval);
    double[] perSecond = new double[Math.max(0, (fs.size() - 1) / SLOW_EVERY)];
    for (int i = 0; i < perSecond.length; i++) {
      FastSample a = fs.get(i * SLOW_EVERY);
      FastSample b = fs.get((i + 1) * SLOW_EVERY);
      perSecond[i] =
          ((b.processCpu() - b.excludedCpu()) - (a.processCpu() - a.excludedCpu()))
              / (double) (b.at() - a.at());
    }
    Arrays.sort(perSecond);
    double heapMean = Arrays.stream(heap).average().orElse(Double.NaN);
    double[] heapSorted = heap.clone();
    Arrays.sort(heapSorted);
    SlowSample s0 = r.slow.get(0);
    SlowSample s1 = r.slow.get(r.slow.size() - 1);
    double slowSpan = (s1.at() - s0.at()) / 1e9;
    double pgCores = (s1.pgTicks() - s0.pgTicks()) / CLOCK_TICKS / slowSpan;
    double machineCores =
        cores
            * (s1.machineBusyTicks() - s0.machineBusyTicks())
            / (double) (s1.machineTotalTicks() - s0.machineTotalTicks());
    double pendingMean = fs.stream().mapToDouble(FastSample::pending).average().orElse(0);
    double pendingMax = fs.stream().mapToDouble(FastSample::pending).max().orElse(0);
    double lagMean = fs.stream().mapToDouble(FastSample::lagBytes).average().orElse(0);
    double lagMax = fs.stream().mapToDouble(FastSample::lagBytes).max().orElse(0);
    double workersMean = fs.stream().mapToDouble(FastSample::workersActive).average().orElse(0);
    double bufferMax = fs.stream().mapToDouble(FastSample::bufferBytes).max().orElse(0);
    double c2vCount = r.scrapeEnd.count() - r.scrapeStart.count();
    double c2vMean = (r.scrapeEnd.sum() - r.scrapeStart.sum()) / c2vCount;
    double scrapeRefreshes =
        r.scrapeEnd.refreshes().values().stream().mapToDouble(Double::doubleValue).sum()
            - r.scrapeStart.refreshes().values().stream().mapToDouble(Double::doubleValue).sum();
    Map<String, Long> familyCount = new LinkedHashMap<>();
    for (String f : List.of("scan", "filter", "agg", "join", "joinagg")) {
      long n = defs.stream().filter(d -> d.family().equals(f)).count();
      if (n > 0) {
        familyCount.put(f, n);
      }
    }
    String heapFlags =
        String.join(
            " ",
            ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("-Xm") || a.startsWith("-XX:"))
                .toList());
    String gcNames =
        String.join(
            ", ",
            ManagementFactory.getGarbageCollectorMXBeans().stream()
                .map(GarbageCollectorMXBean::getName)
                .toList());

    StringBuilder o = new StringBuilder("\n");
    o.append(
        f(
            "Run of %s: `bench/fleet.sh tables=%d rate=%d seconds=%d warmup=%d%s`.%n%n",
            LocalDate.now(ZoneOffset.UTC),
            tables,
            rate,
            seconds,
            warmup,
            workers > 0 ? " workers=" + workers : ""));
    o.append(
        f(
            "- Sources: `branches` (%,d rows), `accounts` (%,d), `products` (%,d), `transfers`"
                + " (%,d), `orders` (%,d), each with a primary key.%n",
            BRANCHES, ACCOUNTS, PRODUCTS, TRANSFERS, ORDERS));
    StringBuilder mix = new StringBuilder();
    familyCount.forEach(
        (fam, n) -> {
          if (mix.length() > 0) {
            mix.append(", ");
          }
          mix.append(n).append(' ').append(FAMILY_NAMES.get(fam));
          Map<String, Long> st = r.familyStrategies.getOrDefault(fam, Map.of());
          mix.append(" (").append(strategyList(st)).append(')');
        });
    o.append(
        f(
            "- %d stream tables on one slot and publication, schedule %s, refresh mode %s,"
                + " `max_workers` %d%s: %s. %,d rows in the stream tables at the end.%n",
            defs.size(),
            SCHEDULE,
            MODE,
            maxWorkers,
            workers > 0 ? "" : " (the default)",
            mix,
            r.streamTableRows));
    long kindsTotal = r.changeKinds[0] + r.changeKinds[1] + r.changeKinds[2];
    o.append(
        f(
            "- Load: one writer connection, a transaction of %d single-row changes every %.0f ms"
                + " (fixed rate, target %,d changes/s), %.1f%% INSERT / %.1f%% UPDATE / %.1f%%"
                + " DELETE over all five tables; %d s warm-up, then %d s measured.%n",
            TXN_CHANGES,
            TXN_CHANGES * 1000.0 / rate,
            rate,
            100.0 * r.changeKinds[0] / kindsTotal,
            100.0 * r.changeKinds[1] / kindsTotal,
            100.0 * r.changeKinds[2] / kindsTotal,
            warmup,
            seconds));
    o.append(
        f(
            "- Machine: %d cores (%s), PostgreSQL %s (%s binaries, `fsync=off`), %s %s, heap"
                + " flags `%s` (max heap %,d MB; %s); load average %s at the start of the load,"
                + " %s after it.%n",
            cores,
            BenchmarkMachine.cpuModel(),
            r.pgVersion.replaceAll("^PostgreSQL (\\S+).*$", "$1"),
            bin.source().toString().toLowerCase(Locale.ROOT),
            System.getProperty("java.vm.name"),
            System.getProperty("java.runtime.version"),
            heapFlags.isEmpty() ? "(none)" : heapFlags,
            Runtime.getRuntime().maxMemory() / 1048576,
            gcNames,
            r.loadBefore,
            r.loadAfter));
    o.append(
        f(
            "- Pipeline start (catalog, publication, slot and the initial fill of every stream"
                + " table) took %.1f s.%n%n",
            r.readySeconds));

    o.append("| measure (measured window) | value |\n|---|---:|\n");
    row(
        o,
        "source row changes/s achieved (target " + f("%,d", rate) + ")",
        f("%,.1f", r.windowChanges / window));
    row(
        o,
        "writer transaction (10 changes + commit) p50 / p99, most behind schedule",
        f(
            "%.1f / %.1f ms, %d ms",
            BenchmarkMachine.pct(r.txnMillis, 0.5),
            BenchmarkMachine.pct(r.txnMillis, 0.99),
            r.maxSlipMillis));
    row(
        o,
        "refreshes (history; metric scrape)",
        f(
            "%,d (%.2f per stream table per second); %,.0f",
            r.refreshes, r.refreshes / window / defs.size(), scrapeRefreshes));
    row(
        o,
        "failed refreshes in the window; history rows other than SUCCESS in the whole run",
        f("%d; %d", r.failedRefreshes, r.failedAllRun));
    row(
        o,
        "refresh duration p50 / p95 / p99 / max",
        f(
            "%.1f / %.1f / %.1f / %.0f ms",
            r.refreshPercentiles[0],
            r.refreshPercentiles[1],
            r.refreshPercentiles[2],
            r.refreshPercentiles[3]));
    row(o, "source transactions per refresh (mean)", f("%.1f", r.meanSourceTxns));
    row(
        o,
        "refresh workers busy: refresh time per second (history; metric, to the commit);"
            + " gauge mean",
        f(
            "%.2f; %.2f; %.2f of %d",
            r.refreshBusySeconds / window,
            (r.scrapeEnd.refreshSeconds() - r.scrapeStart.refreshSeconds()) / window,
            workersMean,
            maxWorkers));
    row(
        o,
        "commit-to-visible p50 / p95 / p99, mean (service histogram, every stream table)",
        f(
            "%.0f / %.0f / %.0f ms, %.0f ms (n = %,.0f)",
            percentile(r.scrapeStart, r.scrapeEnd, 0.50),
            percentile(r.scrapeStart, r.scrapeEnd, 0.95),
            percentile(r.scrapeStart, r.scrapeEnd, 0.99),
            c2vMean,
            c2vCount));
    row(
        o,
        "**Trickle CPU** (JVM minus the load generator's and sampler's threads): mean",
        f("**%.0f%% of one core (%.2f cores)**", trickleCores * 100, trickleCores));
    row(
        o,
        "Trickle CPU per 100 ms p50 / p95; per second max",
        f(
            "%.0f%% / %.0f%%; %.0f%%",
            BenchmarkMachine.pct(perInterval, 0.5) * 100,
            BenchmarkMachine.pct(perInterval, 0.95) * 100,
            perSecond.length == 0 ? Double.NaN : perSecond[perSecond.length - 1] * 100));
    row(o, "whole JVM CPU (with the load generator)", f("%.2f cores", processCores));
    row(o, "PostgreSQL server processes CPU", f("%.2f cores", pgCores));
    row(o, "machine busy (all processes, /proc/stat)", f("%.2f of %d cores", machineCores, cores));
    row(
        o,
        "**heap used** mean / p95 / max (every 100 ms)",
        f(
            "**%.0f / %.0f / %.0f MB**",
            heapMean, BenchmarkMachine.pct(heapSorted, 0.95), heapSorted[heapSorted.length - 1]));
    row(o, "heap after System.gc() once caught up", f("%.1f MB", r.heapAfterGc / 1048576.0));
    row(o, "GC in the window", f("%d collections, %d ms", r.gcCount, r.gcMillis));
    row(
        o,
        "pending source transactions mean / max (every 100 ms)",
        f("%.0f / %.0f", pendingMean, pendingMax));
    row(o, "buffered changes max", f("%.1f MB", bufferMax / 1048576.0));
    row(
        o,
        "replication lag gauge mean / max (received − confirmed, every 100 ms)",
        f("%.0f / %.0f KB", lagMean / 1024, lagMax / 1024));
    row(
        o,
        "when the load stopped: lag gauge; slot (current WAL − confirmed_flush_lsn); pending",
        f(
            "%.0f KB; %,d KB; %.0f txns",
            r.lagGaugeAtStop / 1024, r.slotLagAtStop / 1024, r.pendingAtStop));
    row(o, "caught up after the load stopped", f("%.1f s", r.catchUpSeconds));
    row(
        o,
        "WAL written (sources, stream tables, catalog; the walsender reads all of it)",
        f("%.1f MB/s", r.walBytes / window / 1048576.0));
    row(
        o,
        "stream tables equal to their query (EXCEPT ALL both ways)",
        f(
            "%d of %d (%s)",
            r.equal,
            defs.size(),
            r.verifyRounds == 1
                ? "at the first comparison"
                : "after " + r.verifyRounds + " rounds"));

    o.append(
        "\n| family | stream tables | refreshes | p50 ms | p99 ms | worker-seconds per second |"
            + " mean delta rows | FULL refreshes |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
    Map<String, String[]> byFamily = new HashMap<>();
    for (String line : r.historyRows) {
      String[] f = line.split("\t", -1);
      byFamily.put(f[0], f);
    }
    for (Map.Entry<String, Long> e : familyCount.entrySet()) {
      String[] h = byFamily.get(e.getKey());
      if (h == null) {
        continue;
      }
      o.append(
          f(
              "| %s | %d | %,d | %.1f | %.1f | %.2f | %.1f | %d |%n",
              FAMILY_NAMES.get(e.getKey()),
              e.getValue(),
              Long.parseLong(h[1]),
              Double.parseDouble(h[2]),
              Double.parseDouble(h[3]),
              Double.parseDouble(h[4]) / window,
              Double.parseDouble(h[5]),
              Long.parseLong(h[6])));
    }
    o.append("\nRefreshes in the window by mode (reason): ");
    o.append(
        String.join(
            ", ",
            r.modes.entrySet().stream().map(e -> f("%s %,d", e.getKey(), e.getValue())).toList()));
    o.append(".\n");
    return o.toString();
  }

  private static String strategyList(Map<String, Long> st) {
    return String.join(
        ", ", st.entrySet().stream().map(e -> e.getValue() + " " + e.getKey()).toList());
  }

  private static void row(StringBuilder o, String name, String value) {
    o.append("| ").append(name).append(" | ").append(value).append(" |\n");
  }

  private static String f(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }

  /** Nearest-rank percentile of a sorted array. */
  private static String loadAverage() {
    try {
      String[] f =
          Files.readString(Path.of("/proc/loadavg"), StandardCharsets.UTF_8).split(" ", -1);
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static void log(String format, Object... args) {
    System.out.println("[fleet] " + String.format(Locale.ROOT, format, args));
    System.out.flush();
  }
}
