package dev.trickle.bench;

import dev.trickle.config.PipelineConfig;
import dev.trickle.config.PipelineLoader;
import dev.trickle.model.TableRef;
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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Chunked against single MERGE (seed QW-9): a KEYED stream table over 300,000 rows absorbs a
 * 200,000-row delta, once with {@code merge_batch_size} above the delta (one MERGE) and once with
 * the default 50,000 (four chunks). Reported per variant, median of the repetitions: the refresh's
 * duration (which is also how long it holds its locks: one transaction), and the peak private
 * memory (RssAnon, sampled every millisecond from /proc) of the server process running it. Run with
 * {@code bench/chunked.sh [reps=3] [out=docs/BENCHMARKS.md]}.
 */
public final class ChunkedMergeBenchmark {
  private static final int ROWS = 300_000;
  private static final int DELTA = 200_000;
  private static final String QUERY = "SELECT id, a, c FROM src";

  private ChunkedMergeBenchmark() {}

  /** One variant's medians. */
  private record Result(String variant, int batch, long chunks, double millis, long peakKb) {}

  /**
   * Runs both variants and prints a markdown table.
   *
   * @param args optional {@code reps=...}, {@code out=...}
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    int reps = 3;
    Path out = null;
    for (String a : args) {
      String[] kv = a.split("=", 2);
      switch (kv[0]) {
        case "reps" -> reps = Integer.parseInt(kv[1]);
        case "out" -> out = Path.of(kv[1]);
        default -> throw new IllegalArgumentException("unknown argument " + a);
      }
    }
    List<Result> results = new ArrayList<>();
    try (LocalCluster cluster = LocalCluster.start(PostgresBinaries.preferSystem())) {
      results.add(run(cluster, "single MERGE", 1_000_000, reps));
      results.add(run(cluster, "chunked MERGE", 50_000, reps));
    }
    report(results, reps, out);
    System.exit(0);
  }

  private static Result run(LocalCluster cluster, String variant, int batch, int reps)
      throws Exception {
    String db = "chunked_" + batch;
    cluster.createDatabase(db);
    String url = cluster.jdbcUrl(db);
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE src (id bigint PRIMARY KEY, a int, c text)");
      s.execute(
          "INSERT INTO src SELECT g, g % 1000, 'row ' || g FROM generate_series(1, "
              + ROWS
              + ") g");
      s.execute("VACUUM ANALYZE src");
    }
    Path yaml = Files.createTempFile("trickle-chunked-", ".yaml");
    Files.writeString(
        yaml,
        "version: 1\ndatabase:\n  url: "
            + cluster.postgresUrl(db)
            + "\ncdc:\n  source: pgoutput\n  slot: "
            + db
            + "\n  publication: "
            + db
            + "\nsettings:\n  dvm:\n    merge_batch_size: "
            + batch
            + "\n  scheduler:\n    max_workers: 1\nstream_tables:\n  - name: public.st\n    query: "
            + QUERY
            + "\n    schedule: 1h\n    refresh_mode: DIFFERENTIAL\n",
        StandardCharsets.UTF_8);
    PipelineConfig cfg = new PipelineLoader(System.getenv(), Map.of()).load(yaml);
    List<Double> millis = new ArrayList<>();
    List<Long> peaks = new ArrayList<>();
    long chunks = 0;
    try (Pipeline pipeline = new Pipeline(cfg, new Metrics())) {
      pipeline.start();
      long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
      while (!pipeline.isReady() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      for (int r = 0; r < reps + 1; r++) { // the first round warms up
        try (Connection c = DriverManager.getConnection(url);
            Statement s = c.createStatement()) {
          s.execute("UPDATE src SET a = a + 1 WHERE id <= " + DELTA);
          s.execute("VACUUM ANALYZE");
        }
        long pid = refreshBackend(url);
        AtomicBoolean sampling = new AtomicBoolean(true);
        AtomicLong peak = new AtomicLong();
        Thread sampler = new Thread(() -> sample(pid, sampling, peak));
        sampler.start();
        pipeline.admin().refresh(new TableRef("public", "st"));
        sampling.set(false);
        sampler.join();
        try (Connection c = DriverManager.getConnection(url);
            Statement s = c.createStatement();
            ResultSet rs =
                s.executeQuery(
                    "SELECT extract(epoch FROM finished_at - started_at) * 1000, merge_chunks,"
                        + " delta_rows FROM pgtrickle.pgt_refresh_history ORDER BY refresh_id DESC"
                        + " LIMIT 1")) {
          rs.next();
          if (rs.getLong(3) != DELTA) {
            throw new IllegalStateException("delta of " + rs.getLong(3) + " rows, not " + DELTA);
          }
          if (r > 0) {
            millis.add(rs.getDouble(1));
            peaks.add(peak.get());
            chunks = rs.getLong(2);
          }
        }
      }
      verify(url);
    }
    return new Result(variant, batch, chunks, median(millis), median(peaks));
  }

  /** The server process of the pipeline's refresh connection (opened by a first refresh). */
  private static long refreshBackend(String url) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT pid FROM pg_stat_activity WHERE application_name = 'trickle-refresh' AND"
                    + " datname = current_database() ORDER BY backend_start LIMIT 1")) {
      if (!rs.next()) {
        throw new IllegalStateException("no refresh connection");
      }
      return rs.getLong(1);
    }
  }

  private static void sample(long pid, AtomicBoolean sampling, AtomicLong peak) {
    Path status = Path.of("/proc", Long.toString(pid), "status");
    while (sampling.get()) {
      try {
        for (String line : Files.readAllLines(status)) {
          if (line.startsWith("RssAnon:")) {
            long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
            peak.accumulateAndGet(kb, Math::max);
          }
        }
        Thread.sleep(1);
      } catch (IOException e) {
        return; // the process is gone
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static void verify(String url) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT count(*) FROM ((SELECT * FROM ("
                    + QUERY
                    + ") q EXCEPT ALL SELECT id, a, c FROM st) UNION ALL (SELECT id, a, c FROM st"
                    + " EXCEPT ALL SELECT * FROM ("
                    + QUERY
                    + ") q)) d")) {
      rs.next();
      if (rs.getLong(1) != 0) {
        throw new IllegalStateException("the stream table differs from its query");
      }
    }
  }

  private static <T extends Comparable<T>> T median(List<T> values) {
    List<T> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }

  private static void report(List<Result> results, int reps, Path out) throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            "%n| variant (%,d-row delta, KEYED, %,d rows) | merge_batch_size | chunks | refresh"
                + " and lock hold, ms (median of %d) | peak private memory of the server process,"
                + " MB |%n|---|---:|---:|---:|---:|%n",
            DELTA, ROWS, reps));
    for (Result r : results) {
      sb.append(
          String.format(
              "| %s | %,d | %d | %.0f | %.1f |%n",
              r.variant(), r.batch(), r.chunks(), r.millis(), r.peakKb() / 1024.0));
    }
    System.out.println(sb);
    if (out != null) {
      BenchmarkDoc.writeSection(out, "chunked", sb.toString());
    }
  }
}
