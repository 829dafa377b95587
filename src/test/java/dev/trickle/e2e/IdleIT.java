package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.model.Lsn;
import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PgServer;
import dev.trickle.testing.PipelineFixture;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An idle pipeline costs nothing and holds nothing back: refresh cycles without changes issue no
 * SQL at all (counted in the server's statement log), and the slot's confirmed position moves on
 * while only tables outside the pipeline change.
 */
final class IdleIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  static final String QUERY = "SELECT id, v FROM src WHERE v > 0";

  @Test
  void cyclesWithoutChanges_issueNoSql_andTheSlotAdvances() throws Exception {
    Path log = PgServer.get().logFile().orElse(null);
    Assumptions.assumeTrue(log != null, "needs the server log of a server the tests started");
    db.execute(
        "CREATE TABLE src (id int PRIMARY KEY, v int)",
        "CREATE TABLE unrelated (x int)",
        "INSERT INTO src SELECT g, g FROM generate_series(1, 100) g");
    try (Connection admin = PgServer.get().connectAdmin();
        Statement st = admin.createStatement()) {
      st.execute("ALTER SYSTEM SET log_line_prefix = '%m [%p] app=%a db=%d '");
      st.execute("SELECT pg_reload_conf()");
      st.execute("ALTER DATABASE " + db.name() + " SET log_statement = 'all'");
    }
    Path config =
        PipelineFixture.writeConfig(
            db,
            "idle",
            "stream_tables:\n  - name: st_idle\n    query: "
                + QUERY
                + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n"
                + "  - name: st_idle_full\n    query: "
                + QUERY
                + "\n    schedule: 50ms\n    refresh_mode: FULL\n");
    try (PipelineFixture pipeline = PipelineFixture.start(config);
        Connection c = db.connect();
        Statement st = c.createStatement()) {
      assertThat(pipeline.pipeline().isReady()).isTrue();
      long before = Files.size(log);
      st.execute("UPDATE src SET v = v + 1 WHERE id <= 10");
      assertThat(Oracle.awaitEqual(c, "st_idle", QUERY, 20_000)).isZero();
      assertThat(Oracle.awaitEqual(c, "st_idle_full", QUERY, 20_000)).isZero();
      Thread.sleep(300);
      assertThat(refreshStatements(log, before))
          .as("a cycle with changes does issue SQL (the log is being read)")
          .isNotEmpty();

      long idleStart = Files.size(log);
      Thread.sleep(3000); // 60 cycles of each stream table
      assertThat(refreshStatements(log, idleStart)).as("statements during idle cycles").isEmpty();

      Lsn confirmed = confirmedFlush(st);
      for (int i = 0; i < 40; i++) {
        st.execute("INSERT INTO unrelated SELECT g FROM generate_series(1, 1000) g");
        Thread.sleep(100);
      }
      long deadline = System.currentTimeMillis() + 15_000;
      while (!confirmedFlush(st).isAfter(confirmed) && System.currentTimeMillis() < deadline) {
        Thread.sleep(100);
      }
      assertThat(confirmedFlush(st))
          .as("slot position after unrelated writes")
          .isGreaterThan(confirmed);
    } finally {
      try (Connection admin = PgServer.get().connectAdmin();
          Statement st = admin.createStatement()) {
        st.execute("ALTER DATABASE " + db.name() + " RESET log_statement");
      }
    }
  }

  private static List<String> refreshStatements(Path log, long from) throws Exception {
    byte[] all = Files.readAllBytes(log);
    String text = new String(all, (int) from, all.length - (int) from, StandardCharsets.UTF_8);
    String mark = "db=" + db.name() + " ";
    return text.lines()
        .filter(l -> l.contains(mark))
        .filter(l -> l.contains("app=trickle-refresh") || l.contains("app=trickle-fence"))
        .filter(l -> l.contains("statement:") || l.contains("execute"))
        .toList();
  }

  private static Lsn confirmedFlush(Statement st) throws Exception {
    try (ResultSet rs =
        st.executeQuery(
            "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = 'idle'")) {
      rs.next();
      return Lsn.parse(rs.getString(1));
    }
  }
}
