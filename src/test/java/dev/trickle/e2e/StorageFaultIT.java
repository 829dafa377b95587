package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.model.Lsn;
import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Fault F8: the stream table's storage refuses the refresh: a disk-full error (SQLSTATE 53100,
 * raised by a trigger, as the server raises it when it cannot extend a file) and a CHECK constraint
 * the new rows violate. Each failed refresh rolls back and is tried again; while it fails the slot
 * is never confirmed past the change it could not apply; once the storage accepts it again, the
 * stream table catches up and equals its query.
 */
final class StorageFaultIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  static final String QUERY = "SELECT id, v FROM sf_src";

  @Test
  void diskFullAndAViolatedConstraint_areRetried_andTheSlotWaits() throws Exception {
    db.execute(
        "CREATE TABLE sf_src (id int PRIMARY KEY, v int)",
        "INSERT INTO sf_src SELECT g, g FROM generate_series(1, 30) g",
        "CREATE TABLE sf_switch (disk_full bool)",
        "INSERT INTO sf_switch VALUES (false)",
        "CREATE FUNCTION sf_disk() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF (SELECT"
            + " disk_full FROM sf_switch) THEN RAISE EXCEPTION 'could not extend file: No space"
            + " left on device' USING ERRCODE = '53100'; END IF; RETURN NEW; END $$");
    String yaml =
        "settings:\n  scheduler:\n    max_consecutive_errors: 1000\n"
            + "stream_tables:\n  - name: st_sf\n    query: "
            + QUERY
            + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n";
    try (PipelineFixture p = PipelineFixture.start(PipelineFixture.writeConfig(db, "sf", yaml));
        Connection c = db.connect();
        Statement st = c.createStatement()) {
      assertThat(Oracle.awaitEqual(c, "st_sf", QUERY, 20_000)).isZero();
      st.execute(
          "CREATE TRIGGER sf_disk BEFORE INSERT OR UPDATE ON st_sf FOR EACH ROW EXECUTE FUNCTION"
              + " sf_disk()");

      st.execute("UPDATE sf_switch SET disk_full = true");
      refusedThenAccepted(
          st,
          c,
          "UPDATE sf_src SET v = v + 1 WHERE id <= 10",
          "could not extend file",
          "UPDATE sf_switch SET disk_full = false");

      st.execute("ALTER TABLE st_sf ADD CONSTRAINT sf_small CHECK (v < 1000)");
      refusedThenAccepted(
          st,
          c,
          "UPDATE sf_src SET v = 5000 WHERE id = 20",
          "sf_small",
          "ALTER TABLE st_sf DROP CONSTRAINT sf_small");
      assertThat(p.pipeline().isReady()).isTrue();
    }
  }

  /** Writes, sees refreshes fail while the slot stays behind the write, then lets them pass. */
  private static void refusedThenAccepted(
      Statement st, Connection c, String write, String error, String repair) throws Exception {
    long failedBefore = failures(st);
    st.execute(write);
    Lsn written = currentLsn(st);
    long deadline = System.currentTimeMillis() + 20_000;
    while (failures(st) < failedBefore + 3 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertThat(failures(st))
        .as("refreshes tried again and failing")
        .isGreaterThan(failedBefore + 2);
    assertThat(lastError(st)).contains(error);
    Thread.sleep(1500); // the slot keeper runs every second
    assertThat(confirmed(st)).as("the slot waits for the change not applied").isLessThan(written);
    assertThat(Oracle.difference(c, "st_sf", QUERY)).as("not applied yet").isPositive();
    st.execute(repair);
    assertThat(Oracle.awaitEqual(c, "st_sf", QUERY, 20_000)).isZero();
    deadline = System.currentTimeMillis() + 10_000;
    while (!confirmed(st).isAfter(written) && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertThat(confirmed(st)).as("confirmed once applied").isGreaterThan(written);
  }

  private static long failures(Statement st) throws Exception {
    try (ResultSet rs =
        st.executeQuery(
            "SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE stream_table ="
                + " 'public.st_sf' AND reason_code = 'refresh_failed'")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String lastError(Statement st) throws Exception {
    try (ResultSet rs =
        st.executeQuery(
            "SELECT error FROM pgtrickle.pgt_refresh_history WHERE stream_table = 'public.st_sf'"
                + " AND reason_code = 'refresh_failed' ORDER BY refresh_id DESC LIMIT 1")) {
      rs.next();
      return rs.getString(1);
    }
  }

  private static Lsn currentLsn(Statement st) throws Exception {
    try (ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
      rs.next();
      return Lsn.parse(rs.getString(1));
    }
  }

  private static Lsn confirmed(Statement st) throws Exception {
    try (ResultSet rs =
        st.executeQuery(
            "SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = 'sf'")) {
      rs.next();
      return Lsn.parse(rs.getString(1));
    }
  }
}
