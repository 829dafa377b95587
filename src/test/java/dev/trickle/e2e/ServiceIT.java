package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import dev.trickle.testing.ServiceProcess;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The service as a user runs it: HTTP endpoints, SIGTERM, and a replication slot gone missing. */
final class ServiceIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  static final String QUERY = "SELECT id, name FROM people WHERE id > 0";
  private static Path config;

  @BeforeAll
  static void schema() throws Exception {
    db.execute(
        "CREATE TABLE people (id int PRIMARY KEY, name text)",
        "INSERT INTO people SELECT g, 'p' || g FROM generate_series(1, 20) g");
    config =
        PipelineFixture.writeConfig(
            db,
            "service_it",
            "stream_tables:\n  - name: st_people\n    query: "
                + QUERY
                + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n");
  }

  @Test
  void httpEndpoints_reportHealthMetricsAndStreamTables() throws Exception {
    try (ServiceProcess service = new ServiceProcess(config);
        Connection c = db.connect();
        Statement st = c.createStatement()) {
      service.start();
      assertThat(service.status("/healthz")).isEqualTo(200);
      assertThat(service.get("/readyz")).contains("\"ready\"");
      for (int i = 0; i < 5; i++) {
        st.execute("UPDATE people SET name = name || '!' WHERE id = " + (i + 1));
        assertThat(Oracle.awaitEqual(c, "st_people", QUERY, 20_000)).isZero();
      }
      String metrics = service.get("/metrics");
      assertThat(metrics)
          .contains("pg_trickle_commit_to_visible_ms_bucket{")
          .contains("pg_trickle_commit_to_visible_ms_count{stream_table=\"public.st_people\"} 5\n")
          .contains("pg_trickle_replication_lag_bytes")
          .contains("pg_trickle_refresh_duration_seconds_count");
      String tables = service.get("/api/v1/stream-tables");
      assertThat(tables)
          .contains("\"name\":\"public.st_people\"")
          .contains("\"status\":\"ACTIVE\"")
          .contains("\"refresh_mode\":\"DIFFERENTIAL\"")
          .contains("\"schedule\":\"50ms\"");
      assertThat(service.terminate()).as("exit code after SIGTERM").isZero();
    }
  }

  @Test
  void droppedSlot_isReportedAndStreamTablesAreFilledAgain() throws Exception {
    try (ServiceProcess service = new ServiceProcess(config);
        Connection c = db.connect();
        Statement st = c.createStatement()) {
      service.start();
      assertThat(Oracle.awaitEqual(c, "st_people", QUERY, 20_000)).isZero();
      assertThat(service.terminate()).isZero();
      st.execute("SELECT pg_drop_replication_slot('service_it')");
      st.execute("INSERT INTO people SELECT g, 'late' FROM generate_series(100, 130) g");
      st.execute("DELETE FROM people WHERE id <= 3");
      service.start();
      assertThat(Oracle.awaitEqual(c, "st_people", QUERY, 20_000)).isZero();
      assertThat(service.logTail())
          .contains("replication slot service_it had disappeared and was created again")
          .contains("will be filled again");
    }
  }
}
