package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.CliRun;
import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import dev.trickle.testing.ServiceProcess;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Stream tables created, refreshed, previewed and dropped while the service runs, through the CLI
 * (which talks to the HTTP API), and remembered across a restart.
 */
final class RuntimeAdminIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  static final String BIG = "SELECT id, amount FROM orders WHERE amount > 50";
  static final String ALL = "SELECT id, upper(note) AS note FROM orders";

  @Test
  void createRefreshPreviewDrop_whileRunning_andAfterARestart() throws Exception {
    db.execute(
        "CREATE TABLE orders (id int PRIMARY KEY, amount numeric, note text)",
        "INSERT INTO orders SELECT g, g, 'n' || g FROM generate_series(1, 100) g");
    Path config =
        PipelineFixture.writeConfig(
            db,
            "runtime",
            "stream_tables:\n  - name: st_all\n    query: " + ALL + "\n    schedule: 50ms\n");
    try (ServiceProcess service = new ServiceProcess(config);
        Connection c = db.connect();
        Statement st = c.createStatement()) {
      service.start();
      String http = "127.0.0.1:" + service.port();

      long classes = db.queryLong("SELECT count(*) FROM pg_class");
      String preview = service.post("/api/v1/preview", "{\"query\": \"" + BIG + "\"}");
      assertThat(preview)
          .contains("\"refresh_strategy\":\"DIFFERENTIAL\"")
          .contains("\"name\":\"public.orders\"")
          .contains("\"delta_sql_template_bytes\":");
      assertThat(db.queryLong("SELECT count(*) FROM pg_class"))
          .as("preview creates nothing")
          .isEqualTo(classes);
      assertThat(service.post("/api/v1/preview", "{\"query\": \"SELECT nope FROM orders\"}"))
          .contains("column \\\"nope\\\" does not exist");
      byte[] huge =
          ("{\"query\": \"SELECT 1 -- " + "x".repeat(2 << 20) + "\"}")
              .getBytes(java.nio.charset.StandardCharsets.UTF_8);
      assertThat(service.postRaw("/api/v1/preview", huge, false))
          .isEqualTo("413: {\"error\":\"request body over 1 MiB\"}");
      assertThat(service.postRaw("/api/v1/preview", huge, true))
          .as("also without a declared length")
          .isEqualTo("413: {\"error\":\"request body over 1 MiB\"}");

      CliRun created =
          CliRun.of(
              "create",
              "big_orders",
              BIG,
              "--schedule",
              "50ms",
              "--refresh-mode",
              "DIFFERENTIAL",
              "--http",
              http);
      assertThat(created.code()).as(created.err()).isZero();
      assertThat(created.out()).contains("public.big_orders").contains("ACTIVE");
      assertThat(Oracle.difference(c, "big_orders", BIG)).as("filled when create returns").isZero();

      st.execute("UPDATE orders SET amount = amount + 30 WHERE id <= 40");
      assertThat(Oracle.awaitEqual(c, "big_orders", BIG, 20_000)).isZero();

      CliRun refreshed = CliRun.of("refresh", "public.big_orders", "--http", http);
      assertThat(refreshed.code()).as(refreshed.err()).isZero();
      assertThat(refreshed.out()).contains("reason_code");

      CliRun bad = CliRun.of("create", "x", BIG, "--preset", "fast", "--http", http);
      assertThat(bad.code()).isEqualTo(2);
      assertThat(bad.err()).contains("real-time").startsWith("error: ");
      CliRun exists = CliRun.of("create", "big_orders", BIG, "--http", http);
      assertThat(exists.code()).isEqualTo(2);
      assertThat(exists.err()).contains("already exists");

      CliRun status = CliRun.of("status", "--http", http);
      assertThat(status.out()).contains("public.big_orders").contains("public.st_all");

      assertThat(service.terminate()).isZero();
      st.execute("DELETE FROM orders WHERE id > 90");
      service.start();
      assertThat(Oracle.awaitEqual(c, "big_orders", BIG, 20_000))
          .as("resumed after restart")
          .isZero();

      String sum = "SELECT count(*) AS n, sum(amount) AS total FROM big_orders";
      CliRun reader = CliRun.of("create", "big_sum", sum, "--schedule", "50ms", "--http", http);
      assertThat(reader.code()).as(reader.err()).isZero();
      assertThat(Oracle.difference(c, "big_sum", sum)).isZero();
      CliRun refused = CliRun.of("drop", "big_orders", "--http", http);
      assertThat(refused.code()).isEqualTo(2);
      assertThat(refused.err()).contains("is read by public.big_sum").contains("--cascade");

      CliRun dropped = CliRun.of("drop", "big_orders", "--cascade", "--http", http);
      assertThat(dropped.code()).as(dropped.err()).isZero();
      assertThat(dropped.out()).contains("dropped public.big_sum");
      assertThat(
              db.queryLong(
                  "SELECT count(*) FROM pg_class WHERE relname IN ('big_orders', 'big_sum')"))
          .isZero();
      assertThat(
              db.queryLong(
                  "SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'big_orders'"))
          .isZero();
      CliRun again = CliRun.of("drop", "big_orders", "--http", http);
      assertThat(again.code()).isEqualTo(2);
      assertThat(again.err()).contains("does not exist");
    }
  }
}
