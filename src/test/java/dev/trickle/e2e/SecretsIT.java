package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.CliRun;
import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import dev.trickle.testing.ServiceProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A password given in the database URL never shows: not in the service's log, its metrics, its HTTP
 * answers (status, errors, the status page), nor the command line's errors. The service runs as a
 * role with that password, on the change source under test.
 */
final class SecretsIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  static final String SECRET = "S3cr3t-pw-9f27";

  @Test
  void thePassword_appearsInNoLogMetricAnswerOrError() throws Exception {
    db.execute(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pw_user') THEN"
            + " CREATE ROLE pw_user LOGIN SUPERUSER PASSWORD '"
            + SECRET
            + "'; END IF; END $$",
        "CREATE TABLE sec_items (id int PRIMARY KEY, v int)",
        "INSERT INTO sec_items SELECT g, g FROM generate_series(1, 20) g");
    String url = db.postgresUrl();
    String withPassword = url.replaceFirst("//[^@/]+@", "//pw_user:" + SECRET + "@");
    assertThat(withPassword).contains(SECRET);
    Path config =
        PipelineFixture.writeConfig(
            db,
            "secrets",
            PipelineFixture.streamTablesYaml(
                java.util.Map.of("st_sec", "SELECT id, v FROM sec_items"),
                "50ms",
                n -> "DIFFERENTIAL"));
    String yaml = Files.readString(config).replace(url, withPassword);
    Files.writeString(config, yaml);
    List<String> seen = new ArrayList<>();
    try (ServiceProcess service = new ServiceProcess(config);
        Connection c = db.connect()) {
      service.start();
      db.execute("UPDATE sec_items SET v = v + 1 WHERE id <= 5");
      assertThat(Oracle.awaitEqual(c, "st_sec", "SELECT id, v FROM sec_items", 20_000)).isZero();
      for (String path :
          List.of(
              "/",
              "/metrics",
              "/healthz",
              "/readyz",
              "/api/v1/stream-tables",
              "/api/v1/commit-latency-stats",
              "/api/v1/tune-recommendations",
              "/api/v1/stream-tables/nosuch")) {
        seen.add(path + " " + service.get(path));
      }
      seen.add(service.post("/api/v1/preview", "{\"query\": \"SELECT nope FROM sec_items\"}"));
      seen.add(
          service.post("/api/v1/stream-tables", "{\"name\": \"st_bad\", \"query\": \"SELEC 1\"}"));
      seen.add(service.post("/api/v1/stream-tables", "{\"name\": \"st_bad\"}"));
      assertThat(service.terminate()).isZero();
      seen.add(Files.readString(service.logFile().toPath(), StandardCharsets.UTF_8));
    }
    // errors of the command line, with the password in the URL of a server that is not there
    Path unreachable = Files.createTempFile("secrets-", ".yaml");
    Files.writeString(
        unreachable,
        yaml.replaceFirst("@[^/]+/", "@127.0.0.1:1/"), // port 1: connection refused
        StandardCharsets.UTF_8);
    for (String command : List.of("validate", "run")) {
      CliRun r = CliRun.of(command, "--config", unreachable.toString(), "--http", "127.0.0.1:0");
      assertThat(r.code()).as(command + ": " + r.err()).isNotZero();
      seen.add(r.out() + r.err());
    }
    CliRun preview =
        CliRun.of(
            "preview", "--url", withPassword.replaceFirst("@[^/]+/", "@127.0.0.1:1/"), "SELECT 1");
    seen.add(preview.out() + preview.err());
    assertThat(seen).hasSizeGreaterThan(10);
    assertThat(seen).allSatisfy(text -> assertThat(text).doesNotContain(SECRET));
    assertThat(String.join("\n", seen))
        .as("the service ran as the role with the password")
        .contains("pipeline started");
  }
}
