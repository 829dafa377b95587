package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trickle.model.UserError;
import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import dev.trickle.testing.SqlErrors;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The SQL functions that ask the running service (catalog V8): {@code
 * pgtrickle.preview_stream_table} and {@code pgtrickle.refresh_stream_table} give what the HTTP API
 * gives, raise the message the CLI prints, and say so when the service is not running.
 */
final class SqlFunctionsIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String QUERY = "SELECT id, v FROM fn_src WHERE v > 0";

  private static String userError(java.util.concurrent.Callable<?> call) {
    try {
      call.call();
    } catch (UserError e) {
      return e.getMessage();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("no user error");
  }

  @Test
  void previewAndRefreshFromSql_answerAsTheApi_andFailAsTheCli() throws Exception {
    db.execute(
        "CREATE TABLE fn_src (id int PRIMARY KEY, v int)",
        "INSERT INTO fn_src SELECT g, g FROM generate_series(1, 50) g");
    String yaml =
        "stream_tables:\n  - {name: st_fn, query: \""
            + QUERY
            + "\", schedule: 1h, refresh_mode: DIFFERENTIAL}\n";
    try (PipelineFixture p = PipelineFixture.start(PipelineFixture.writeConfig(db, "fn", yaml));
        Connection c = db.connect()) {
      // preview: the same answer as POST /api/v1/preview, nothing created
      String preview = "SELECT v, count(*) AS n FROM fn_src GROUP BY v";
      long streamTables = db.queryLong("SELECT count(*) FROM pgtrickle.pgt_stream_tables");
      Map<String, Object> api = p.pipeline().admin().preview(preview).asMap();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT source_tables, refresh_strategy, complexity_class,"
                  + " delta_sql_template_bytes, warnings FROM pgtrickle.preview_stream_table(?)")) {
        ps.setString(1, preview);
        try (ResultSet rs = ps.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(JSON.readTree(rs.getString(1)))
              .isEqualTo(JSON.valueToTree(api.get("source_tables")));
          assertThat(rs.getString(2)).isEqualTo(api.get("refresh_strategy"));
          assertThat(rs.getString(3)).isEqualTo(api.get("complexity_class"));
          assertThat(rs.getLong(4)).isEqualTo(api.get("delta_sql_template_bytes"));
          List<String> warnings = new ArrayList<>();
          for (Object w : (Object[]) rs.getArray(5).getArray()) {
            warnings.add((String) w);
          }
          assertThat(warnings).isEqualTo(api.get("warnings"));
          assertThat(rs.next()).isFalse();
        }
      }
      assertThat(db.queryLong("SELECT count(*) FROM pgtrickle.pgt_stream_tables"))
          .isEqualTo(streamTables);

      // the service answers at once, also when nothing else commits: it flushes the WAL that
      // holds a request (an open transaction does not), so a 1 s limit is far from reached
      for (int i = 0; i < 5; i++) {
        try (Statement s = c.createStatement()) {
          s.execute("SELECT pgtrickle.pgt_call('preview', '{\"query\": \"SELECT 1\"}', '1s')");
        }
      }

      // refresh: the stream table on a 1 h schedule equals its query once the call returns
      db.execute("UPDATE fn_src SET v = -v WHERE id <= 10", "INSERT INTO fn_src VALUES (51, 51)");
      assertThat(Oracle.difference(c, "st_fn", QUERY)).isPositive();
      try (Statement s = c.createStatement()) {
        s.execute("SELECT pgtrickle.refresh_stream_table('st_fn')");
      }
      assertThat(Oracle.difference(c, "st_fn", QUERY)).isZero();

      // errors: the message the API (and so the CLI) gives, and nothing left behind
      String bad = "SELECT nope FROM fn_src";
      assertThat(
              SqlErrors.errorOf(c, "SELECT * FROM pgtrickle.preview_stream_table('" + bad + "')"))
          .isEqualTo(userError(() -> p.pipeline().admin().preview(bad)))
          .contains("nope");
      assertThat(SqlErrors.errorOf(c, "SELECT pgtrickle.refresh_stream_table('public.st_none')"))
          .isEqualTo("stream table public.st_none does not exist in this pipeline");
      // a call that succeeded removed its answer; one that raised could not (the service does)
      assertThat(db.queryLong("SELECT count(*) FROM pgtrickle.pgt_request_answers WHERE ok"))
          .isZero();

      // a call needs READ COMMITTED: it waits for the service's committed answer
      c.setAutoCommit(false);
      try (Statement s = c.createStatement()) {
        s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
      }
      assertThat(SqlErrors.errorOf(c, "SELECT pgtrickle.refresh_stream_table('st_fn')"))
          .contains("needs the READ COMMITTED isolation level");
      c.rollback();
      c.setAutoCommit(true);
    }
    // the service stopped: a question says so at once; a refresh is queued for its start
    try (Connection c = db.connect()) {
      assertThat(SqlErrors.errorOf(c, "SELECT * FROM pgtrickle.preview_stream_table('SELECT 1')"))
          .isEqualTo("the Trickle service is not running (no replication slot of its is active)");
      long queued = db.queryLong("SELECT count(*) FROM pgtrickle.pgt_queued_calls");
      try (Statement s = c.createStatement()) {
        s.execute("SELECT pgtrickle.refresh_stream_table('st_fn')");
        assertThat(s.getWarnings().getMessage())
            .contains("the Trickle service is not running", "refresh_stream_table", "queued");
      }
      assertThat(db.queryLong("SELECT count(*) FROM pgtrickle.pgt_queued_calls"))
          .isEqualTo(queued + 1);
    }
  }

  @Test
  void twoPipelinesInOneDatabase_theOneThatMaintainsAStreamTableAnswersForIt() throws Exception {
    db.execute(
        "CREATE TABLE two_a (id int PRIMARY KEY, v int)",
        "CREATE TABLE two_b (id int PRIMARY KEY, v int)");
    try (PipelineFixture a =
            PipelineFixture.start(
                PipelineFixture.writeConfig(
                    db,
                    "pipe_a",
                    "stream_tables:\n  - {name: st_a, query: \"SELECT id, v FROM two_a\", schedule: 1h}\n"));
        PipelineFixture b =
            PipelineFixture.start(
                PipelineFixture.writeConfig(
                    db,
                    "pipe_b",
                    "stream_tables:\n  - {name: st_b, query: \"SELECT id, v FROM two_b\", schedule: 1h}\n"));
        Connection c = db.connect()) {
      for (int i = 0; i < 10; i++) {
        db.execute(
            "INSERT INTO two_a VALUES (" + i + ", 1)", "INSERT INTO two_b VALUES (" + i + ", 2)");
        try (Statement s = c.createStatement()) {
          s.execute("SELECT pgtrickle.refresh_stream_table('st_a')");
          s.execute("SELECT pgtrickle.refresh_stream_table('st_b')");
        }
        assertThat(Oracle.difference(c, "st_a", "SELECT id, v FROM two_a")).isZero();
        assertThat(Oracle.difference(c, "st_b", "SELECT id, v FROM two_b")).isZero();
      }
      assertThat(a.pipeline().streamTables()).hasSize(1);
      assertThat(b.pipeline().streamTables()).hasSize(1);
    }
  }

  @Test
  void manyCallsAtOnce_eachGetsItsOwnAnswer() throws Exception {
    db.execute("CREATE TABLE fn_many (id int PRIMARY KEY, v int)");
    String yaml =
        "stream_tables:\n  - {name: st_many, query: \"SELECT id, v FROM fn_many\", schedule: 1h}\n";
    try (PipelineFixture p = PipelineFixture.start(PipelineFixture.writeConfig(db, "many", yaml))) {
      List<Thread> threads = new ArrayList<>();
      List<String> answers = java.util.Collections.synchronizedList(new ArrayList<>());
      List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
      for (int i = 0; i < 8; i++) {
        String q = "SELECT id, v + " + i + " AS w FROM fn_many";
        Thread t =
            new Thread(
                () -> {
                  try (Connection c = db.connect();
                      PreparedStatement ps =
                          c.prepareStatement(
                              "SELECT source_tables FROM pgtrickle.preview_stream_table(?)")) {
                    for (int k = 0; k < 5; k++) {
                      ps.setString(1, q);
                      try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        JsonNode st = JSON.readTree(rs.getString(1));
                        answers.add(st.get(0).get("name").asText());
                      }
                    }
                  } catch (Exception e) {
                    failures.add(e);
                  }
                });
        threads.add(t);
        t.start();
      }
      for (Thread t : threads) {
        t.join(60_000);
      }
      assertThat(failures).isEmpty();
      assertThat(answers).hasSize(40).containsOnly("public.fn_many");
      assertThat(p.pipeline().streamTables()).hasSize(1);
    }
  }
}
