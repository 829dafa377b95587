package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trickle.testing.CliRun;
import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import dev.trickle.testing.ServiceProcess;
import java.sql.Connection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Commit-to-visible latency (seed QW-1): one sample per source transaction a refresh made visible,
 * in the histogram {@code pg_trickle_commit_to_visible_ms}, and the same count and percentiles
 * through the HTTP API, {@code trickle latency} and {@code pgtrickle.commit_latency_stats()}.
 */
final class CommitLatencyIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  private static final String QUERY = "SELECT id, v FROM src";
  private static final String ST = "public.st_lat";
  private static final int TRANSACTIONS = 25;

  /** A series' value by its name and labels (in any order), 0 when absent. */
  private static double metric(ServiceProcess service, String name, String... labels)
      throws Exception {
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} (\\S+)$")
            .matcher(service.get("/metrics"));
    while (m.find()) {
      List<String> have = List.of(m.group(1).split(","));
      if (have.containsAll(List.of(labels))) {
        return Double.parseDouble(m.group(2));
      }
    }
    return 0;
  }

  private static double count(ServiceProcess service) throws Exception {
    return metric(service, "pg_trickle_commit_to_visible_ms_count", "stream_table=\"" + ST + "\"");
  }

  @Test
  void everyAppliedTransactionIsOneSample_andTheStatsAgreeEverywhere() throws Exception {
    db.execute(
        "CREATE TABLE src (id int PRIMARY KEY, v int)",
        "INSERT INTO src SELECT g, g FROM generate_series(1, 50) g");
    var config =
        PipelineFixture.writeConfig(
            db,
            "latency",
            "stream_tables:\n  - {name: st_lat, query: \""
                + QUERY
                + "\", schedule: 50ms, refresh_mode: DIFFERENTIAL}\n");
    try (ServiceProcess service = new ServiceProcess(config);
        Connection c = db.connect()) {
      service.start();
      String http = "127.0.0.1:" + service.port();
      double before = count(service);
      long lastRefresh =
          db.queryLong("SELECT coalesce(max(refresh_id), 0) FROM pgtrickle.pgt_refresh_history");
      for (int i = 1; i <= TRANSACTIONS; i++) {
        db.execute("UPDATE src SET v = v + 1 WHERE id = " + i);
      }
      assertThat(Oracle.awaitEqual(c, "st_lat", QUERY, 20_000)).isZero();
      long deadline = System.currentTimeMillis() + 10_000;
      while (count(service) < before + TRANSACTIONS && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      double samples = count(service);
      assertThat(samples - before)
          .as("one sample per applied source transaction")
          .isEqualTo(TRANSACTIONS);
      assertThat(
              db.queryLong(
                  "SELECT sum(source_txns) FROM pgtrickle.pgt_refresh_history WHERE refresh_id > "
                      + lastRefresh
                      + " AND stream_table = '"
                      + ST
                      + "'"))
          .as("transactions the refreshes applied, by their history")
          .isEqualTo(TRANSACTIONS);
      assertThat(
              metric(
                  service,
                  "pg_trickle_commit_to_visible_ms_bucket",
                  "stream_table=\"" + ST + "\"",
                  "le=\"+Inf\""))
          .isEqualTo(samples);

      JsonNode http1 =
          statsOf(new ObjectMapper().readTree(service.get("/api/v1/commit-latency-stats")));
      assertThat(http1.get("count").asDouble()).isEqualTo(samples);
      assertThat(http1.get("p50_ms").asDouble())
          .isPositive()
          .isLessThanOrEqualTo(http1.get("p99_ms").asDouble());

      CliRun cli = CliRun.of("latency", "--http", http);
      assertThat(cli.code()).as(cli.err()).isZero();
      assertThat(cli.out())
          .contains(ST)
          .contains(Long.toString((long) samples))
          .contains(http1.get("p99_ms").asText());

      // the service publishes to the catalog about every second
      List<List<String>> sql = List.of();
      deadline = System.currentTimeMillis() + 5_000;
      while (System.currentTimeMillis() < deadline) {
        sql =
            db.queryRows(
                "SELECT count, p50_ms, p95_ms, p99_ms, max_ms FROM pgtrickle.commit_latency_stats()"
                    + " WHERE stream_table = '"
                    + ST
                    + "'");
        if (!sql.isEmpty() && Double.parseDouble(sql.get(0).get(0)) == samples) {
          break;
        }
        Thread.sleep(50);
      }
      assertThat(sql).hasSize(1);
      List<String> row = sql.get(0);
      assertThat(Double.parseDouble(row.get(0))).isEqualTo(samples);
      assertThat(Double.parseDouble(row.get(1))).isEqualTo(http1.get("p50_ms").asDouble());
      assertThat(Double.parseDouble(row.get(2))).isEqualTo(http1.get("p95_ms").asDouble());
      assertThat(Double.parseDouble(row.get(3))).isEqualTo(http1.get("p99_ms").asDouble());
      assertThat(Double.parseDouble(row.get(4))).isEqualTo(http1.get("max_ms").asDouble());
      assertThat(service.terminate()).isZero();
    }
  }

  private static JsonNode statsOf(JsonNode list) {
    for (JsonNode n : list) {
      if (ST.equals(n.get("stream_table").asText())) {
        return n;
      }
    }
    throw new AssertionError(ST + " not in " + list);
  }
}
