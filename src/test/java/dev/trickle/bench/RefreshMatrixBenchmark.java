package dev.trickle.bench;

import dev.trickle.config.PipelineConfig;
import dev.trickle.config.PipelineLoader;
import dev.trickle.model.TableRef;
import dev.trickle.observe.Metrics;
import dev.trickle.pg.LocalCluster;
import dev.trickle.pg.PostgresBinaries;
import dev.trickle.refresh.RefreshOutcome;
import dev.trickle.service.Pipeline;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The refresh benchmark matrix of pg_trickle: queries scan, filter, aggregate, join and join_agg
 * over a source of 10,000 and 100,000 rows, after changes of 1%, 10% and 50% of its rows (70%
 * updates, 15% deletes, 15% inserts, in one transaction), refreshed FULL, DIFFERENTIAL and AUTO.
 * Each cell is the median of {@code reps} refreshes (3 by default), each after its own batch of
 * changes, as timed by the service (from the refresh's start, fence included, to its commit), each
 * after an unmeasured refresh whose fence passes the WAL the previous one wrote; the refreshes run
 * one at a time ({@code max_workers: 1}) on a throwaway PostgreSQL. At the end every stream table
 * is checked against its query.
 *
 * <p>Not a unit test (the name does not end in {@code Test}). Run it with {@code bench/matrix.sh};
 * arguments {@code sizes=10000,100000 rates=1,10,50 reps=3 out=docs/BENCHMARKS.md} (with {@code
 * out}, the table also replaces the text between the markers {@code <!-- matrix:begin -->} and
 * {@code <!-- matrix:end -->} in that file); with {@code JAVA_OPTS=-Dmatrix.log=true} the server
 * logs every statement's duration and the log is copied to {@code /tmp/matrix-pg.log}.
 */
public final class RefreshMatrixBenchmark {
  private static final Map<String, String> QUERIES = new LinkedHashMap<>();

  static {
    QUERIES.put("scan", "SELECT id, grp, a, b, c FROM src");
    QUERIES.put("filter", "SELECT id, a, c FROM src WHERE a < 200");
    QUERIES.put(
        "aggregate",
        "SELECT grp, count(*) AS n, sum(a) AS total, avg(b) AS mean FROM src GROUP BY grp");
    QUERIES.put("join", "SELECT s.id, s.a, d.name FROM src s JOIN dim d ON d.id = s.grp");
    QUERIES.put(
        "join_agg",
        "SELECT d.region, count(*) AS n, sum(s.a) AS total FROM src s JOIN dim d ON d.id = s.grp"
            + " GROUP BY d.region");
  }

  private static final List<String> MODES = List.of("FULL", "DIFFERENTIAL", "AUTO");

  private static final List<List<String>> ORDERS =
      List.of(
          List.of("FULL", "DIFFERENTIAL", "AUTO"),
          List.of("AUTO", "FULL", "DIFFERENTIAL"),
          List.of("DIFFERENTIAL", "AUTO", "FULL"),
          List.of("FULL", "AUTO", "DIFFERENTIAL"),
          List.of("DIFFERENTIAL", "FULL", "AUTO"),
          List.of("AUTO", "DIFFERENTIAL", "FULL"));

  private static final long SETTLE_MILLIS = 20;

  private static final int WARMUP_ROUNDS = 3;

  private final List<Integer> sizes;
  private final List<Integer> rates;
  private final int reps;
  private final Path out;
  private LocalCluster cluster;
  private long nextId;

  private RefreshMatrixBenchmark(List<Integer> sizes, List<Integer> rates, int reps, Path out) {
    this.sizes = sizes;
    this.rates = rates;
    this.reps = reps;
    this.out = out;
  }

  /**
   * Runs the matrix and prints a markdown report.
   *
   * @param args optional {@code sizes=...}, {@code rates=...}, {@code reps=...}
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    List<Integer> sizes = List.of(10_000, 100_000);
    List<Integer> rates = List.of(1, 10, 50);
    int reps = 3;
    Path out = null;
    for (String a : args) {
      String[] kv = a.split("=", 2);
      switch (kv[0]) {
        case "sizes" -> sizes = ints(kv[1]);
        case "rates" -> rates = ints(kv[1]);
        case "reps" -> reps = Integer.parseInt(kv[1]);
        case "out" -> out = Path.of(kv[1]);
        default -> throw new IllegalArgumentException("unknown argument " + a);
      }
    }
    new RefreshMatrixBenchmark(sizes, rates, reps, out).run();
    System.exit(0);
  }

  private static List<Integer> ints(String csv) {
    List<Integer> out = new ArrayList<>();
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("[0-9_]+").matcher(csv);
    while (m.find()) {
      out.add(Integer.parseInt(m.group().replace("_", "")));
    }
    return out;
  }

  /** One cell of the matrix. */
  private record Key(String query, int rows, int rate) {}

  /** Median refresh times of one cell, in milliseconds, and what AUTO chose. */
  private record Cell(double full, double differential, double auto, String autoModes) {}

  private void run() throws Exception {
    PostgresBinaries bin = PostgresBinaries.preferSystem();
    cluster = LocalCluster.start(bin);
    Map<Key, Cell> cells = new LinkedHashMap<>();
    try {
      for (int size : sizes) {
        String db = "matrix_" + size;
        cluster.createDatabase(db);
        String url = cluster.jdbcUrl(db);
        load(url, size);
        PipelineConfig cfg =
            new PipelineLoader(System.getenv(), Map.of()).load(yaml(cluster.postgresUrl(db), db));
        try (Pipeline pipeline = new Pipeline(cfg, new Metrics())) {
          pipeline.start();
          waitReady(pipeline);
          // unmeasured rounds first: the service's code paths get compiled and the caches warm
          for (int w = 0; w < WARMUP_ROUNDS; w++) {
            change(url, size / 100);
            vacuum(url);
            for (String q : QUERIES.keySet()) {
              for (String mode : MODES) {
                pipeline
                    .admin()
                    .refresh(new TableRef("public", q + "_" + mode.toLowerCase(Locale.ROOT)));
              }
            }
          }
          for (int rate : rates) {
            Map<String, List<Double>> times = new LinkedHashMap<>();
            Map<String, List<String>> autoModes = new LinkedHashMap<>();
            Map<String, List<String>> autoReasons = new LinkedHashMap<>();
            for (int r = 0; r < reps; r++) {
              change(url, size * rate / 100);
              vacuum(url);
              pipeline.admin().refresh(new TableRef("public", "warm"));
              for (String q : QUERIES.keySet()) {
                // the modes run in every order in turn, so that each follows each other as often
                for (String mode : ORDERS.get(r % ORDERS.size())) {
                  String name = q + "_" + mode.toLowerCase(Locale.ROOT);
                  // an unmeasured refresh without changes: its fence passes the WAL the previous
                  // refresh wrote, so the measured one pays only for its own
                  pipeline.admin().refresh(new TableRef("public", "warm"));
                  Thread.sleep(SETTLE_MILLIS); // background writes of the previous refresh
                  RefreshOutcome o = pipeline.admin().refresh(new TableRef("public", name));
                  times.computeIfAbsent(name, k -> new ArrayList<>()).add(lastRefreshMillis(url));
                  if (mode.equals("AUTO")) {
                    autoModes.computeIfAbsent(q, k -> new ArrayList<>()).add(o.mode().name());
                    autoReasons.computeIfAbsent(q, k -> new ArrayList<>()).add(o.reasonCode());
                  }
                }
              }
            }
            for (String q : QUERIES.keySet()) {
              Cell c =
                  new Cell(
                      median(times.get(q + "_full")),
                      median(times.get(q + "_differential")),
                      median(times.get(q + "_auto")),
                      String.join("/", autoModes.get(q)));
              cells.put(new Key(q, size, rate), c);
              log(
                  "%s %d rows %d%%: FULL %.1f ms, DIFFERENTIAL %.1f ms, AUTO %.1f ms (%s)"
                      + " samples FULL %s DIFFERENTIAL %s AUTO %s %s",
                  q,
                  size,
                  rate,
                  c.full(),
                  c.differential(),
                  c.auto(),
                  c.autoModes(),
                  times.get(q + "_full"),
                  times.get(q + "_differential"),
                  times.get(q + "_auto"),
                  autoReasons.get(q));
            }
          }
          verify(url);
        }
      }
      report(bin, cells);
      if (Boolean.getBoolean("matrix.log")) {
        Files.copy(
            cluster.logFile(),
            Path.of("/tmp/matrix-pg.log"),
            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      cluster.close();
    }
  }

  private void load(String url, int size) throws SQLException {
    nextId = size + 1L;
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      if (Boolean.getBoolean("matrix.log")) {
        s.execute("ALTER SYSTEM SET log_min_duration_statement = 0");
        s.execute("SELECT pg_reload_conf()");
      }
      s.execute("CREATE TABLE dim (id int PRIMARY KEY, name text, region int)");
      s.execute("INSERT INTO dim SELECT g, 'name ' || g, g % 10 FROM generate_series(1, 1000) g");
      s.execute("CREATE TABLE src (id bigint PRIMARY KEY, grp int, a int, b int, c text)");
      s.execute(
          "INSERT INTO src SELECT g, 1 + g % 1000, (g * 7) % 1000, g % 97, 'row ' || g FROM"
              + " generate_series(1, "
              + size
              + ") g");
      s.execute("VACUUM ANALYZE dim");
      s.execute("VACUUM ANALYZE src");
    }
  }

  /** n row changes in one transaction: 70% updates, 15% deletes, 15% inserts. */
  private void change(String url, int n) throws SQLException {
    int updates = n * 70 / 100;
    int deletes = n * 15 / 100;
    int inserts = n - updates - deletes;
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.execute(
          "UPDATE src SET a = (a + 13) % 1000, b = b + 1 WHERE id IN (SELECT id FROM src ORDER BY"
              + " random() LIMIT "
              + updates
              + ")");
      s.execute(
          "DELETE FROM src WHERE id IN (SELECT id FROM src ORDER BY random() LIMIT "
              + deletes
              + ")");
      s.execute(
          "INSERT INTO src SELECT g, 1 + g % 1000, (g * 7) % 1000, g % 97, 'row ' || g FROM"
              + " generate_series("
              + nextId
              + ", "
              + (nextId + inserts - 1)
              + ") g");
      nextId += inserts;
      c.commit();
    }
  }

  /** The duration of the latest refresh, from its start (fence included) to its history row. */
  private static double lastRefreshMillis(String url) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT extract(epoch FROM finished_at - started_at) * 1000 FROM"
                    + " pgtrickle.pgt_refresh_history ORDER BY refresh_id DESC LIMIT 1")) {
      rs.next();
      return rs.getDouble(1);
    }
  }

  private static void vacuum(String url) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute("VACUUM ANALYZE"); // the source and every stream table, as autovacuum would
      // write the dirty pages now rather than in a checkpoint during some measurement
      s.execute("CHECKPOINT");
    }
  }

  private static void verify(String url) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      for (Map.Entry<String, String> q : QUERIES.entrySet()) {
        for (String mode : MODES) {
          String name = q.getKey() + "_" + mode.toLowerCase(Locale.ROOT);
          try (ResultSet rs =
              s.executeQuery(
                  "SELECT count(*) FROM ((SELECT * FROM ("
                      + q.getValue()
                      + ") a EXCEPT ALL SELECT "
                      + columns(c, name)
                      + " FROM "
                      + name
                      + ") UNION ALL (SELECT "
                      + columns(c, name)
                      + " FROM "
                      + name
                      + " EXCEPT ALL SELECT * FROM ("
                      + q.getValue()
                      + ") b)) d")) {
            rs.next();
            if (rs.getLong(1) != 0) {
              throw new IllegalStateException(name + " differs from its query");
            }
          }
        }
      }
    }
  }

  private static String columns(Connection c, String table) throws SQLException {
    try (Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute"
                    + " WHERE attrelid = '"
                    + table
                    + "'::regclass AND attnum > 0 AND NOT attisdropped AND attname NOT LIKE"
                    + " '\\_\\_pgt\\_%'")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static Path yaml(String url, String slot) throws java.io.IOException {
    StringBuilder sb = new StringBuilder();
    sb.append("version: 1\ndatabase:\n  url: ").append(url).append('\n');
    sb.append("cdc:\n  source: pgoutput\n  slot: ")
        .append(slot)
        .append("\n  publication: matrix\n");
    sb.append("settings:\n  scheduler:\n    max_workers: 1\n");
    sb.append("stream_tables:\n");
    sb.append("  - name: public.warm\n    query: SELECT id FROM dim\n    schedule: 1h\n");
    for (Map.Entry<String, String> q : QUERIES.entrySet()) {
      for (String mode : MODES) {
        sb.append("  - name: public.")
            .append(q.getKey())
            .append('_')
            .append(mode.toLowerCase(Locale.ROOT))
            .append("\n    query: ")
            .append(q.getValue())
            .append("\n    schedule: 1h\n    refresh_mode: ")
            .append(mode)
            .append('\n');
      }
    }
    Path file = Files.createTempFile("trickle-matrix-", ".yaml");
    file.toFile().deleteOnExit();
    Files.writeString(file, sb.toString(), StandardCharsets.UTF_8);
    return file;
  }

  private static void waitReady(Pipeline pipeline) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (!pipeline.isReady()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(
            "pipeline not ready: " + pipeline.notReadyReason().orElse("?"));
      }
      Thread.sleep(20);
    }
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    sorted.sort(null);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0;
  }

  private void report(PostgresBinaries bin, Map<Key, Cell> cells) throws java.io.IOException {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "%n### Refresh matrix (PostgreSQL %s, %d cores, median of %d)%n%n",
            bin.majorVersion(),
            Runtime.getRuntime().availableProcessors(),
            reps));
    sb.append(
        "| query | rows | changed | FULL ms | DIFFERENTIAL ms | FULL / DIFF | AUTO ms | AUTO"
            + " chose | AUTO / best |\n");
    sb.append("|---|---:|---:|---:|---:|---:|---:|---|---:|\n");
    for (Map.Entry<Key, Cell> e : cells.entrySet()) {
      Key k = e.getKey();
      Cell c = e.getValue();
      double best = Math.min(c.full(), c.differential());
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %d | %d%% | %.1f | %.1f | %.1fx | %.1f | %s | %.2f |%n",
              k.query(),
              k.rows(),
              k.rate(),
              c.full(),
              c.differential(),
              c.full() / Math.max(c.differential(), 0.1),
              c.auto(),
              c.autoModes(),
              c.auto() / Math.max(best, 0.1)));
    }
    System.out.println(sb);
    if (out != null) {
      BenchmarkDoc.writeSection(out, "matrix", sb.toString());
      log("wrote the table into %s", out);
    }
  }

  private static void log(String format, Object... args) {
    System.err.println(String.format(Locale.ROOT, format, args));
  }
}
