package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The pg_trickle script {@code docs/examples/pg_trickle_script.sql} runs unchanged through {@code
 * psql} against a database a running service serves, and afterwards every stream table it left
 * equals its query while the application goes on writing.
 */
final class SqlScriptIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  private static final Map<String, String> LEFT =
      Map.of(
          "big_transfers",
          "SELECT id, account, amount FROM transfers WHERE amount > 200",
          "region_totals",
          "SELECT a.region, sum(t.amount) AS total, count(*) AS n FROM transfers t JOIN accounts a"
              + " ON a.id = t.account GROUP BY a.region",
          "owners_with_notes",
          "SELECT DISTINCT a.owner FROM accounts a JOIN transfers t ON t.account = a.id WHERE"
              + " t.note IS NOT NULL");

  private static Optional<Path> psql() {
    try (Stream<Path> dirs = Files.list(Path.of("/usr/lib/postgresql"))) {
      Optional<Path> found =
          dirs.map(d -> d.resolve("bin/psql")).filter(Files::isExecutable).findFirst();
      if (found.isPresent()) {
        return found;
      }
    } catch (java.io.IOException e) {
      // not Debian's server layout: try the client's
    }
    Path client = Path.of("/usr/bin/psql");
    return Files.isExecutable(client) ? Optional.of(client) : Optional.empty();
  }

  @Test
  void aPgTrickleScriptRunsUnchanged_andItsStreamTablesEqualTheirQueries() throws Exception {
    Optional<Path> psql = psql();
    Assumptions.assumeTrue(psql.isPresent(), "psql (Debian's postgresql-client) is needed");
    try (PipelineFixture p =
            PipelineFixture.start(
                PipelineFixture.writeConfig(db, "script", "stream_tables: []\n"));
        Connection c = db.connect()) {
      Path out = Files.createTempFile("pg-trickle-script", ".out");
      Process run =
          new ProcessBuilder(
                  psql.get().toString(),
                  "-X",
                  "-v",
                  "ON_ERROR_STOP=1",
                  "-f",
                  Path.of("docs/examples/pg_trickle_script.sql").toAbsolutePath().toString(),
                  db.postgresUrl())
              .redirectErrorStream(true)
              .redirectOutput(out.toFile())
              .start();
      assertThat(run.waitFor(120, TimeUnit.SECONDS)).isTrue();
      String output = Files.readString(out, StandardCharsets.UTF_8);
      assertThat(run.exitValue()).as(output).isZero();
      assertThat(output).doesNotContain("ERROR");

      assertThat(db.queryRows("SELECT pgt_name FROM pgtrickle.pgt_stream_tables ORDER BY pgt_name"))
          .containsExactly(
              List.of("big_transfers"), List.of("owners_with_notes"), List.of("region_totals"));
      assertThat(
              db.queryLong("SELECT count(*) FROM pg_class WHERE relname IN ('scratch', 'never')"))
          .isZero();
      assertThat(
              db.queryRows(
                  "SELECT pgt_name, schedule_ms, refresh_mode FROM pgtrickle.pgt_stream_tables"
                      + " ORDER BY pgt_name"))
          .containsExactly(
              List.of("big_transfers", "500", "DIFFERENTIAL"),
              List.of("owners_with_notes", "1000", "DIFFERENTIAL"),
              List.of("region_totals", "2000", "FULL"));
      db.execute(
          "UPDATE transfers SET note = NULL WHERE account = 3",
          "DELETE FROM transfers WHERE id % 17 = 0",
          "INSERT INTO transfers (account, amount, note) SELECT 1 + g % 100, 300, 'après'"
              + " FROM generate_series(1, 200) g");
      for (var e : LEFT.entrySet()) {
        assertThat(Oracle.awaitEqual(c, e.getKey(), e.getValue(), 30_000)).as(e.getKey()).isZero();
      }
      assertThat(p.pipeline().streamTables()).hasSize(3);
    }
  }
}
