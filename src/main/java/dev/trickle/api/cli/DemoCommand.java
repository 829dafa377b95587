package dev.trickle.api.cli;

import dev.trickle.api.http.HttpApi;
import dev.trickle.config.DatabaseUrl;
import dev.trickle.config.Durations;
import dev.trickle.config.PipelineConfig;
import dev.trickle.config.PipelineLoader;
import dev.trickle.observe.LatencyStats;
import dev.trickle.observe.Metrics;
import dev.trickle.pg.LocalCluster;
import dev.trickle.pg.PostgresBinaries;
import dev.trickle.refresh.StreamTable;
import dev.trickle.service.Pipeline;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code trickle demo}: the zero-setup main job. Starts a throwaway PostgreSQL (unless {@code
 * --url} is given), loads demo data, runs {@code pipelines/demo.yaml}, drives a write workload and
 * prints, every second, each stream table's size, whether it equals its query, and its
 * commit-to-visible latency.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Runs the demo pipeline on a throwaway PostgreSQL under a write workload.")
final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--url",
      description =
          "use this database instead of a throwaway one (default: $TRICKLE_DATABASE_URL if set)")
  String url;

  @Option(names = "--duration", description = "stop after this long, e.g. 30s (default: Ctrl-C)")
  String duration;

  @Option(names = "--rate", description = "workload transactions per second (default 200)")
  int rate = 200;

  @Option(names = "--http", description = "HTTP address (default 127.0.0.1:8765)")
  String http = "127.0.0.1:8765";

  @Override
  public Integer call() throws Exception {
    Duration limit = duration == null ? null : Durations.parse(duration);
    LocalCluster cluster = null;
    if (url == null) {
      url = System.getenv("TRICKLE_DATABASE_URL");
    }
    try {
      if (url == null) {
        System.out.println("starting a throwaway PostgreSQL ...");
        PostgresBinaries bin = PostgresBinaries.preferEmbedded();
        cluster = LocalCluster.start(bin);
        url = cluster.postgresUrl("postgres");
        System.out.println(
            "PostgreSQL "
                + bin.majorVersion()
                + " ("
                + bin.source()
                + ") at "
                + cluster.host()
                + ":"
                + cluster.port());
      }
      LocalCluster owned = cluster;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    if (owned != null) {
                      owned.close();
                    }
                  },
                  "trickle-demo-cleanup"));
      return runDemo(limit);
    } finally {
      if (cluster != null) {
        cluster.close();
      }
    }
  }

  private int runDemo(Duration limit) throws Exception {
    DatabaseUrl db = DatabaseUrl.parse(url);
    try (Connection conn = DriverManager.getConnection(db.toJdbcUrl(), credentials(db));
        Statement st = conn.createStatement()) {
      st.execute(resource("/demo/schema.sql"));
    }
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("TRICKLE_DATABASE_URL", url);
    PipelineConfig cfg = new PipelineLoader(env, Map.of()).load(demoFile());
    Metrics metrics = new Metrics();
    try (Pipeline pipeline = new Pipeline(cfg, metrics)) {
      pipeline.start();
      HttpApi api = new HttpApi(http, pipeline, metrics, "");
      DemoWorkload workload = new DemoWorkload(db, credentials(db), rate);
      try {
        System.out.println(
            "metrics on http://"
                + http.substring(0, http.lastIndexOf(':') + 1)
                + api.port()
                + "/metrics  (Ctrl-C stops)");
        waitReady(pipeline);
        workload.start();
        long end = limit == null ? Long.MAX_VALUE : System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
          Thread.sleep(1000);
          print(pipeline, metrics, workload, false);
        }
        workload.close();
        System.out.println("workload stopped; waiting for the stream tables to converge ...");
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        boolean equal = false;
        while (!equal && System.nanoTime() < deadline) {
          Thread.sleep(250);
          equal = print(pipeline, metrics, workload, true);
        }
        print(pipeline, metrics, workload, false);
        System.out.println(equal ? "every stream table equals its query" : "NOT converged");
        return equal ? 0 : 1;
      } finally {
        workload.close();
        api.close();
      }
    }
  }

  private static void waitReady(Pipeline pipeline) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
    while (!pipeline.isReady() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
  }

  private boolean print(Pipeline pipeline, Metrics metrics, DemoWorkload workload, boolean quiet)
      throws SQLException {
    Map<String, LatencyStats.Summary> lat = metrics.latencySummaries();
    boolean allEqual = true;
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "-- %d transactions written%n", workload.transactions()));
    try (Connection conn = pipeline.database().connect()) {
      for (StreamTable st : pipeline.streamTables()) {
        long rows = count(conn, "SELECT count(*) FROM " + st.name().quoted());
        long diff = count(conn, diffSql(conn, st));
        allEqual &= diff == 0;
        LatencyStats.Summary s =
            lat.getOrDefault(st.name().toString(), new LatencyStats.Summary(0, 0, 0, 0, 0));
        out.append(
            String.format(
                Locale.ROOT,
                "%-22s %8d rows  %-12s commit-to-visible p50 %6.1f ms  p99 %7.1f ms  (%d txns)%n",
                st.name(),
                rows,
                diff == 0 ? "= query" : diff + " behind",
                s.p50(),
                s.p99(),
                s.count()));
      }
    }
    if (!quiet) {
      System.out.print(out);
      System.out.flush();
    }
    return allEqual;
  }

  private static String diffSql(Connection conn, StreamTable st) throws SQLException {
    String cols;
    try (Statement q = conn.createStatement();
        ResultSet rs =
            q.executeQuery(
                "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute"
                    + " WHERE attrelid = '"
                    + st.name().quoted().replace("'", "''")
                    + "'::regclass AND attnum > 0 AND NOT attisdropped AND attname NOT LIKE"
                    + " '\\_\\_pgt\\_%'")) {
      rs.next();
      cols = rs.getString(1);
    }
    String query = dev.trickle.dvm.QueryProbe.stripTrailingSemicolons(st.query());
    String table = st.name().quoted();
    return "SELECT count(*) FROM ((SELECT "
        + cols
        + " FROM "
        + table
        + " EXCEPT ALL SELECT "
        + cols
        + " FROM ("
        + query
        + ") q1) UNION ALL (SELECT "
        + cols
        + " FROM ("
        + query
        + ") q2 EXCEPT ALL SELECT "
        + cols
        + " FROM "
        + table
        + ")) d";
  }

  private static long count(Connection conn, String sql) throws SQLException {
    try (Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  static java.util.Properties credentials(DatabaseUrl db) {
    java.util.Properties p = new java.util.Properties();
    p.setProperty("user", db.user());
    if (db.password() != null) {
      p.setProperty("password", db.password());
    }
    return p;
  }

  private static Path demoFile() {
    String home = System.getenv("TRICKLE_HOME");
    Path p = Path.of(home == null ? "." : home, "pipelines", "demo.yaml");
    if (!Files.exists(p)) {
      throw new dev.trickle.model.UserError("cannot find " + p + " (run from the repository root)");
    }
    return p;
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = DemoCommand.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IOException("missing resource " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
