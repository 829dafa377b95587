package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.model.TableRef;
import dev.trickle.refresh.RefreshOutcome;
import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The circuit breaker (seed QW-8, first part): refreshes that really fail (a trigger on the stream
 * table's storage raises an error) suspend the stream table after {@code max_consecutive_errors};
 * it then is not refreshed, stays suspended across a restart, and a refresh asked for resumes it,
 * filled anew and equal to its query.
 */
final class CircuitBreakerIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  static final String QUERY = "SELECT id, v FROM t WHERE v > 0";

  private static long history(String reason) throws Exception {
    return db.queryLong(
        "SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE stream_table = 'public.st_t'"
            + " AND reason_code = '"
            + reason
            + "'");
  }

  private static String status() throws Exception {
    return status("public.st_t");
  }

  private static String status(String name) throws Exception {
    try (Connection c = db.connect();
        Statement st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT status FROM pgtrickle.pgt_status() WHERE name = '" + name + "'")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static void awaitStatus(String wanted) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    while (!wanted.equals(status()) && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(status()).isEqualTo(wanted);
  }

  @Test
  void outOfMemory_lowersTheStreamTablesWorkMem_byAQuarterPerFailure() throws Exception {
    db.execute(
        "CREATE TABLE m (id int PRIMARY KEY, v int)",
        "INSERT INTO m SELECT g, g FROM generate_series(1, 20) g",
        "CREATE TABLE seen_work_mem (setting text)",
        "CREATE SEQUENCE oom_budget");
    String query = "SELECT id, v FROM m";
    String yaml =
        "settings:\n  dvm:\n    merge_work_mem_mb: 64\n"
            + "stream_tables:\n  - name: st_m\n    query: "
            + query
            + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n";
    try (Connection c = db.connect();
        Statement st = c.createStatement();
        PipelineFixture p = PipelineFixture.start(PipelineFixture.writeConfig(db, "oom", yaml))) {
      assertThat(Oracle.awaitEqual(c, "st_m", query, 20_000)).isZero();
      // the server "runs out of memory" in the next two refreshes (a sequence is not rolled back
      // with them), then records the work_mem the refresh that succeeds runs with
      st.execute(
          "CREATE FUNCTION oom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF"
              + " nextval('oom_budget') <= 2 THEN RAISE EXCEPTION 'out of memory (simulated)' USING"
              + " ERRCODE = '53200'; END IF; INSERT INTO seen_work_mem"
              + " VALUES (current_setting('work_mem')); RETURN NEW; END $$");
      st.execute(
          "CREATE TRIGGER oom BEFORE INSERT OR UPDATE ON st_m FOR EACH ROW EXECUTE FUNCTION"
              + " oom()");
      st.execute("UPDATE m SET v = v + 1 WHERE id = 7");
      assertThat(Oracle.awaitEqual(c, "st_m", query, 20_000)).isZero();
      assertThat(
              db.queryLong(
                  "SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE stream_table ="
                      + " 'public.st_m' AND reason_code = 'refresh_failed'"))
          .isEqualTo(2);
      try (var rs =
          st.executeQuery(
              "SELECT string_agg(error, ' | ' ORDER BY refresh_id) FROM"
                  + " pgtrickle.pgt_refresh_history WHERE stream_table = 'public.st_m' AND"
                  + " reason_code = 'work_mem_lowered' AND status = 'REMEDIATED'")) {
        rs.next();
        assertThat(rs.getString(1))
            .isEqualTo("merge_work_mem_mb 64 -> 48 | merge_work_mem_mb 48 -> 36");
      }
      try (var rs = st.executeQuery("SELECT DISTINCT setting FROM seen_work_mem")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("36MB");
        assertThat(rs.next()).isFalse();
      }
      assertThat(status("public.st_m")).isEqualTo("ACTIVE");
      assertThat(p.pipeline().isReady()).isTrue();
    }
  }

  @Test
  void lockTimeouts_slowTheStreamTableDown_untilThreeRefreshesSucceed() throws Exception {
    db.execute(
        "CREATE TABLE l (id int PRIMARY KEY, v int)",
        "INSERT INTO l SELECT g, g FROM generate_series(1, 20) g");
    String query = "SELECT id, v FROM l";
    String yaml =
        "settings:\n  scheduler:\n    lock_timeout: 100ms\n    max_consecutive_errors: 5\n"
            + "stream_tables:\n  - name: st_l\n    query: "
            + query
            + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n";
    try (Connection c = db.connect();
        Statement st = c.createStatement();
        Connection locker = db.connect();
        Statement ls = locker.createStatement();
        PipelineFixture p = PipelineFixture.start(PipelineFixture.writeConfig(db, "locks", yaml))) {
      assertThat(Oracle.awaitEqual(c, "st_l", query, 20_000)).isZero();
      locker.setAutoCommit(false);
      ls.execute("LOCK TABLE st_l IN ACCESS EXCLUSIVE MODE"); // held by another session
      st.execute("UPDATE l SET v = v + 1 WHERE id = 3");
      long deadline = System.currentTimeMillis() + 20_000;
      while (remediations("st_l", "lock_timeout_backoff").isEmpty()
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(20);
      }
      locker.commit();
      assertThat(remediations("st_l", "lock_timeout_backoff")).startsWith("interval 50ms -> 100ms");
      assertThat(Oracle.awaitEqual(c, "st_l", query, 20_000)).isZero();
      for (int i = 0; i < 3; i++) {
        st.execute("UPDATE l SET v = v + 1 WHERE id = " + (10 + i));
        assertThat(Oracle.awaitEqual(c, "st_l", query, 20_000)).isZero();
      }
      assertThat(remediations("st_l", "schedule_restored")).endsWith(" -> 50ms");
      assertThat(status("public.st_l")).isEqualTo("ACTIVE");
      assertThat(p.pipeline().isReady()).isTrue();
    }
  }

  /** The details of a stream table's remediation rows of one kind, oldest first. */
  private static String remediations(String name, String reason) throws Exception {
    try (Connection c = db.connect();
        Statement st = c.createStatement();
        var rs =
            st.executeQuery(
                "SELECT coalesce(string_agg(error, ' | ' ORDER BY refresh_id), '') FROM"
                    + " pgtrickle.pgt_refresh_history WHERE stream_table = 'public."
                    + name
                    + "' AND status = 'REMEDIATED' AND reason_code = '"
                    + reason
                    + "'")) {
      rs.next();
      return rs.getString(1);
    }
  }

  @Test
  void failingRefreshes_suspend_untilARefreshIsAskedFor() throws Exception {
    db.execute(
        "CREATE TABLE t (id int PRIMARY KEY, v int)",
        "INSERT INTO t SELECT g, g FROM generate_series(1, 40) g");
    String yaml =
        "settings:\n  scheduler:\n    max_consecutive_errors: 3\n"
            + "stream_tables:\n  - name: st_t\n    query: "
            + QUERY
            + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n";
    var config = PipelineFixture.writeConfig(db, "breaker", yaml);
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      try (PipelineFixture p = PipelineFixture.start(config)) {
        assertThat(Oracle.awaitEqual(c, "st_t", QUERY, 20_000)).isZero();
        st.execute(
            "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION"
                + " 'boom'; END $$");
        st.execute(
            "CREATE TRIGGER boom BEFORE INSERT OR UPDATE OR DELETE ON st_t FOR EACH ROW EXECUTE"
                + " FUNCTION boom()");
        st.execute("UPDATE t SET v = v + 1 WHERE id <= 5");
        awaitStatus("SUSPENDED");
        assertThat(history("refresh_failed")).isEqualTo(3);
        assertThat(history("suspended")).isEqualTo(1);
        assertThat(p.metrics().scrape()).contains("pg_trickle_stream_tables_suspended 1.0");

        // suspended: no refresh is tried, whatever changes
        st.execute("UPDATE t SET v = -v WHERE id > 35");
        Thread.sleep(600);
        assertThat(history("refresh_failed")).isEqualTo(3);
        assertThat(status()).isEqualTo("SUSPENDED");
        assertThat(p.pipeline().isReady()).isTrue();
      }

      st.execute("INSERT INTO t SELECT g, g FROM generate_series(41, 60) g");
      try (PipelineFixture p = PipelineFixture.start(config)) {
        Thread.sleep(300);
        assertThat(status()).as("suspended across a restart").isEqualTo("SUSPENDED");
        assertThat(history("refresh_failed")).isEqualTo(3);

        st.execute("DROP TRIGGER boom ON st_t");
        RefreshOutcome resumed = p.pipeline().admin().refresh(new TableRef("public", "st_t"));
        assertThat(resumed.reasonCode()).isEqualTo("resumed");
        assertThat(status()).isEqualTo("ACTIVE");
        assertThat(Oracle.difference(c, "st_t", QUERY)).isZero();

        st.execute("DELETE FROM t WHERE id % 4 = 0");
        st.execute("UPDATE t SET v = v + 100 WHERE id % 3 = 0");
        assertThat(Oracle.awaitEqual(c, "st_t", QUERY, 20_000)).isZero();
        assertThat(p.metrics().scrape()).contains("pg_trickle_stream_tables_suspended 0.0");
      }
    }
  }
}
