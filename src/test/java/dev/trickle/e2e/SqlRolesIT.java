package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The SQL functions of schema {@code pgtrickle} called by roles other than Trickle's own: a role
 * with no grant on the schema, and one that was granted USAGE on it and nothing else. Every call is
 * refused with the server's permission error, and nothing is created, changed or dropped: the
 * stream tables Trickle maintains with its own privileges cannot be created, altered or read into
 * by a role that could not read their sources (docs/OPERATIONS.md, "Who may call the SQL
 * functions").
 */
final class SqlRolesIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  static final String QUERY = "SELECT id, v FROM role_src WHERE v > 0";

  @Test
  void otherRoles_areRefused_andNothingChanges() throws Exception {
    db.execute(
        "CREATE TABLE role_src (id int PRIMARY KEY, v int)",
        "CREATE TABLE role_secret (id int PRIMARY KEY, pin text)",
        "INSERT INTO role_src SELECT g, g FROM generate_series(1, 50) g",
        "INSERT INTO role_secret VALUES (1, '1234')",
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'outsider') THEN"
            + " CREATE ROLE outsider NOLOGIN; END IF; END $$",
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'half_granted') THEN"
            + " CREATE ROLE half_granted NOLOGIN; END IF; END $$",
        "GRANT SELECT ON role_src TO outsider, half_granted",
        "GRANT CREATE ON SCHEMA public TO outsider, half_granted");
    String yaml =
        "stream_tables:\n  - {name: st_role, query: \""
            + QUERY
            + "\", schedule: 100ms, refresh_mode: DIFFERENTIAL}\n";
    try (PipelineFixture p = PipelineFixture.start(PipelineFixture.writeConfig(db, "roles", yaml));
        Connection c = db.connect();
        Statement st = c.createStatement()) {
      st.execute("GRANT USAGE ON SCHEMA pgtrickle TO half_granted");
      List<String> calls =
          List.of(
              "SELECT pgtrickle.create_stream_table('public.st_leak', 'SELECT id, pin FROM"
                  + " role_secret', initialize => false)",
              "SELECT pgtrickle.create_stream_table('public.st_mine', '" + QUERY + "')",
              "SELECT pgtrickle.alter_stream_table('public.st_role', status => 'SUSPENDED')",
              "SELECT pgtrickle.refresh_stream_table('public.st_role')",
              "SELECT pgtrickle.drop_stream_table('public.st_role')",
              "SELECT * FROM pgtrickle.preview_stream_table('SELECT id, pin FROM role_secret')");
      for (String role : List.of("outsider", "half_granted")) {
        for (String call : calls) {
          st.execute("SET ROLE " + role);
          try {
            st.execute(call);
            throw new AssertionError(role + " was allowed: " + call);
          } catch (SQLException e) {
            assertThat(e.getSQLState()).as(role + ": " + call).isEqualTo("42501");
            assertThat(e.getMessage()).as(role + ": " + call).contains("permission denied");
          } finally {
            st.execute("RESET ROLE");
          }
        }
      }
      assertThat(
              db.queryLong(
                  "SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE status = 'ACTIVE'"))
          .as("only st_role, active")
          .isEqualTo(1);
      assertThat(db.queryLong("SELECT count(*) FROM pgtrickle.pgt_stream_tables")).isEqualTo(1);
      assertThat(
              db.queryLong("SELECT count(*) FROM pg_class WHERE relname IN ('st_leak', 'st_mine')"))
          .isZero();
      assertThat(db.queryLong("SELECT count(*) FROM pgtrickle.pgt_queued_calls")).isZero();
      st.execute("UPDATE role_src SET v = v + 1 WHERE id <= 10");
      assertThat(Oracle.awaitEqual(c, "st_role", QUERY, 20_000)).isZero();
      assertThat(p.pipeline().isReady()).isTrue();
    }
  }
}
