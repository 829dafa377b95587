package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every metric family that {@code /metrics} serves, after changes, a failed refresh and a
 * remediation, is documented in docs/OBSERVABILITY.md, and the per stream table gauges say what
 * they should.
 */
final class ObservabilityIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  @Test
  void everyServedMetricIsDocumented() throws Exception {
    db.execute(
        "CREATE TABLE src (id int PRIMARY KEY, v int)",
        "INSERT INTO src SELECT g, g FROM generate_series(1, 20) g",
        "CREATE SEQUENCE once");
    String query = "SELECT id, v FROM src";
    var config =
        PipelineFixture.writeConfig(
            db,
            "observe",
            "stream_tables:\n  - {name: st_obs, query: \""
                + query
                + "\", schedule: 50ms, refresh_mode: DIFFERENTIAL}\n");
    try (Connection c = db.connect();
        PipelineFixture p = PipelineFixture.start(config)) {
      // the next refresh runs out of memory once: a failure and a remediation
      db.execute(
          "CREATE FUNCTION oom_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF"
              + " nextval('once') = 1 THEN RAISE EXCEPTION 'out of memory (simulated)' USING"
              + " ERRCODE = '53200'; END IF; RETURN NULL; END $$",
          "CREATE TRIGGER oom AFTER INSERT OR UPDATE OR DELETE ON st_obs FOR EACH STATEMENT"
              + " EXECUTE FUNCTION oom_once()",
          "UPDATE src SET v = v + 1 WHERE id <= 5");
      assertThat(Oracle.awaitEqual(c, "st_obs", query, 20_000)).isZero();
      String scrape = p.metrics().scrape();

      assertThat(scrape)
          .contains("pg_trickle_refresh_errors_total{stream_table=\"public.st_obs\"} 1.0")
          .contains(
              "pg_trickle_remediations_total{reason=\"work_mem_lowered\",stream_table=\"public.st_obs\"} 1.0")
          .contains("pg_trickle_stream_table_pending_transactions{stream_table=\"public.st_obs\"}")
          .contains("pg_trickle_replication_lag_seconds");

      String doc = Files.readString(Path.of("docs/OBSERVABILITY.md"));
      List<String> undocumented = new ArrayList<>();
      Matcher m = Pattern.compile("(?m)^# TYPE (\\S+) ").matcher(scrape);
      while (m.find()) {
        if (!doc.contains("`" + m.group(1) + "`")) {
          undocumented.add(m.group(1));
        }
      }
      assertThat(undocumented)
          .as("metric families served but not in docs/OBSERVABILITY.md")
          .isEmpty();
    }
  }
}
