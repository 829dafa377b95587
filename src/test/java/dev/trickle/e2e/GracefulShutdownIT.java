package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

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
 * Graceful shutdown through the real command line: SIGTERM while a refresh is running lets it
 * commit, confirms the slot past what it applied, and exits 0.
 */
final class GracefulShutdownIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  static final String QUERY = "SELECT id, v FROM g WHERE v >= 0";

  @Test
  void sigtermDuringARefresh_letsItCommit_confirmsTheSlot_andExitsZero() throws Exception {
    db.execute(
        "CREATE TABLE g (id int PRIMARY KEY, v int)",
        "INSERT INTO g SELECT n, n FROM generate_series(1, 100) n");
    Path config =
        PipelineFixture.writeConfig(
            db,
            "graceful",
            "stream_tables:\n  - name: st_g\n    query: "
                + QUERY
                + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n");
    try (ServiceProcess service = new ServiceProcess(config);
        Connection c = db.connect();
        Statement st = c.createStatement()) {
      service.start();
      assertThat(Oracle.awaitEqual(c, "st_g", QUERY, 30_000)).isZero();
      // the next refresh takes two seconds: long enough to be caught in flight
      st.execute(
          "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM"
              + " pg_sleep(2); RETURN NULL; END $$");
      st.execute(
          "CREATE TRIGGER slow AFTER INSERT OR UPDATE OR DELETE ON st_g FOR EACH STATEMENT"
              + " EXECUTE FUNCTION slow()");
      // where the update's commit record goes: read in its transaction, so that WAL written
      // after it (the refresh's own, the catalog's) does not count
      String written;
      c.setAutoCommit(false);
      st.execute("UPDATE g SET v = v + 1000 WHERE id <= 30");
      try (var rs = st.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
        rs.next();
        written = rs.getString(1);
      }
      c.commit();
      c.setAutoCommit(true);
      long deadline = System.currentTimeMillis() + 20_000;
      while (db.queryLong(
                  "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query"
                      + " LIKE 'MERGE INTO%st_g%'")
              == 0
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(10);
      }
      assertThat(
              db.queryLong(
                  "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND query"
                      + " LIKE 'MERGE INTO%st_g%'"))
          .as("a refresh is in flight")
          .isEqualTo(1);

      assertThat(service.terminate()).as(service.logTail()).isZero();

      // not restarted: what the stream table holds is what the interrupted refresh committed
      assertThat(Oracle.difference(c, "st_g", QUERY)).isZero();
      assertThat(
              db.queryLong(
                  "SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE stream_table ="
                      + " 'public.st_g' AND status = 'SUCCESS' AND rows_affected = 30"))
          .isEqualTo(1);
      assertThat(
              db.queryLong(
                  "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'graceful' AND"
                      + " confirmed_flush_lsn >= '"
                      + written
                      + "'::pg_lsn"))
          .as("the slot is confirmed past the applied change")
          .isEqualTo(1);
    }
  }
}
