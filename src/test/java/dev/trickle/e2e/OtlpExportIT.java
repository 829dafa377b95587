package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.trickle.observe.Tracing;
import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import dev.trickle.testing.ServiceProcess;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With the standard {@code OTEL_*} environment set, the service (a separate JVM) exports its spans
 * over OTLP/HTTP to the endpoint named: here a receiver started by the test, which keeps what it is
 * sent (protobuf, in which span names travel as plain UTF-8).
 */
final class OtlpExportIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  @Test
  void spansReachAnOtlpHttpEndpoint() throws Exception {
    db.execute(
        "CREATE TABLE src (id int PRIMARY KEY, v int)",
        "INSERT INTO src SELECT g, g FROM generate_series(1, 10) g");
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    HttpServer receiver =
        HttpServer.create(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
    receiver.createContext(
        "/v1/traces",
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          synchronized (received) {
            received.write(body);
          }
          exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
          exchange.sendResponseHeaders(200, 0);
          exchange.close();
        });
    receiver.start();
    String query = "SELECT id, v FROM src";
    var config =
        PipelineFixture.writeConfig(
            db,
            "otlp",
            "stream_tables:\n  - {name: st_otlp, query: \""
                + query
                + "\", schedule: 50ms, refresh_mode: DIFFERENTIAL}\n");
    try (ServiceProcess service =
            new ServiceProcess(config)
                .withEnvironment(
                    Map.of(
                        "OTEL_TRACES_EXPORTER", "otlp",
                        "OTEL_METRICS_EXPORTER", "none",
                        "OTEL_LOGS_EXPORTER", "none",
                        "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf",
                        "OTEL_EXPORTER_OTLP_ENDPOINT",
                            "http://127.0.0.1:" + receiver.getAddress().getPort(),
                        "OTEL_BSP_SCHEDULE_DELAY", "100",
                        "OTEL_SERVICE_NAME", "trickle-test"));
        Connection c = db.connect()) {
      service.start();
      db.execute("UPDATE src SET v = v + 1 WHERE id <= 3");
      assertThat(Oracle.awaitEqual(c, "st_otlp", query, 20_000)).isZero();
      List<String> names =
          List.of(
              Tracing.SCHEDULER_TICK,
              Tracing.REFRESH_CYCLE,
              Tracing.DELTA_EXECUTE,
              Tracing.FRONTIER_ADVANCE,
              Tracing.CLEANUP,
              "public.st_otlp",
              "trickle-test");
      long deadline = System.currentTimeMillis() + 15_000;
      String text = "";
      while (System.currentTimeMillis() < deadline) {
        synchronized (received) {
          text = received.toString(StandardCharsets.ISO_8859_1);
        }
        if (names.stream().allMatch(text::contains)) {
          break;
        }
        Thread.sleep(100);
      }
      for (String n : names) {
        assertThat(text).as("exported spans mention %s", n).contains(n);
      }
      assertThat(service.terminate()).isZero();
    } finally {
      receiver.stop(0);
    }
  }
}
