package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.api.cli.TrickleCli;
import dev.trickle.testing.PgDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Bad input through the real command line: one clear line naming the offending thing, exit code 2,
 * no stack trace, and nothing created in the database (no catalog, no slot, no publication, no
 * table).
 */
final class BadInputIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  @BeforeAll
  static void schema() throws Exception {
    db.execute(
        "CREATE TABLE orders (id int PRIMARY KEY, amount numeric, status text)",
        "CREATE TABLE taken (x int)",
        "INSERT INTO orders VALUES (1, 10, 'open')");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "0.0.0.0:0|which is not loopback: set monitoring.api_token or TRICKLE_API_TOKEN",
        "8080|is not HOST:PORT",
        "localhost:http|is not HOST:PORT",
      })
  void runWithABadOrOpenHttpAddress_exitsTwoWithOneClearLine(String http, String mentioned)
      throws Exception {
    Path file = Files.createTempFile("http-", ".yaml");
    Files.writeString(
        file,
        "version: 1\ndatabase:\n  url: "
            + db.postgresUrl()
            + "\ncdc:\n  slot: bad_http\n  publication: bad_http\n");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream saved = System.err;
    int code;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      code = TrickleCli.execute("run", "--config", file.toString(), "--http", http);
    } finally {
      System.setErr(saved);
    }
    String out = err.toString(StandardCharsets.UTF_8).strip();
    assertThat(code).as(out).isEqualTo(2);
    assertThat(out).startsWith("error: ").contains(mentioned);
    assertThat(out.lines().count()).as(out).isEqualTo(1);
    assertThat(
            db.queryLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'bad_http'"))
        .as("nothing started")
        .isZero();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "malformed YAML|stream_tables: [ {name: x|:8: invalid YAML",
        "unknown key|stream_tables:\\n  - name: st_a\\n    query: SELECT id FROM orders\\n    shedule: 1s|shedule",
        "bad duration|stream_tables:\\n  - name: st_a\\n    query: SELECT id FROM orders\\n    schedule: 5 minutes|5 minutes",
        "invalid SQL|stream_tables:\\n  - name: st_a\\n    query: SELEC id FROM orders|syntax error",
        "missing table|stream_tables:\\n  - name: st_a\\n    query: SELECT id FROM nosuch|relation \"nosuch\" does not exist",
        "missing column|stream_tables:\\n  - name: st_a\\n    query: SELECT id, nope FROM orders|column \"nope\" does not exist",
        "volatile function|stream_tables:\\n  - name: st_a\\n    query: SELECT id, random() AS r FROM orders\\n    refresh_mode: DIFFERENTIAL|random()",
        "volatile function in FULL|stream_tables:\\n  - name: st_a\\n    query: SELECT id, random() AS r FROM orders\\n    refresh_mode: FULL|declare it STABLE",
        "data-modifying CTE|stream_tables:\\n  - name: st_a\\n    query: WITH d AS (DELETE FROM orders RETURNING id) SELECT id FROM d|data-modifying",
        "existing table|stream_tables:\\n  - name: taken\\n    query: SELECT id FROM orders|public.taken",
        "unknown preset|stream_tables:\\n  - name: st_a\\n    query: SELECT id FROM orders\\n    preset: fast|real-time",
      })
  void badInput_exitsTwoWithOneClearLineAndCreatesNothing(
      String what, String body, String mentioned) throws Exception {
    Path file = Files.createTempFile("bad-", ".yaml");
    Files.writeString(
        file,
        "version: 1\ndatabase:\n  url: "
            + db.postgresUrl()
            + "\ncdc:\n  slot: bad_input\n  publication: bad_input\n"
            + body.replace("\\n", "\n")
            + "\n");
    for (String command : List.of("validate", "run")) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      PrintStream saved = System.err;
      int code;
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      try {
        code =
            command.equals("run")
                ? TrickleCli.execute(command, "--config", file.toString(), "--http", "127.0.0.1:0")
                : TrickleCli.execute(command, "--config", file.toString());
      } finally {
        System.setErr(saved);
      }
      String out = err.toString(StandardCharsets.UTF_8).strip();
      assertThat(code).as(command + " " + what + ": " + out).isEqualTo(2);
      assertThat(out).as(command + " " + what).contains(mentioned).startsWith("error: ");
      assertThat(out.lines().count()).as(command + " " + what + ": " + out).isEqualTo(1);
      assertThat(out).doesNotContain("Exception").doesNotContain("\tat ");
    }
    assertThat(db.queryLong("SELECT count(*) FROM pg_namespace WHERE nspname = 'pgtrickle'"))
        .isZero();
    assertThat(
            db.queryLong("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'bad_input'"))
        .isZero();
    assertThat(db.queryLong("SELECT count(*) FROM pg_publication")).isZero();
    assertThat(db.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'st_a'")).isZero();
    assertThat(db.queryLong("SELECT count(*) FROM orders")).as("nothing written").isEqualTo(1);
  }
}
