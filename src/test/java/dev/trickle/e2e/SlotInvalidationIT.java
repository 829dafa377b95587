package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PgServer;
import dev.trickle.testing.PipelineFixture;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Fault F4: while the service is down the slot is advanced by someone else, or invalidated by the
 * server because it fell more than {@code max_slot_wal_keep_size} behind ({@code wal_status =
 * lost}); either way the changes written meanwhile never arrive. The next start says so in one log
 * line and a metric ({@code pg_trickle_slot_gaps_total}), (creates the slot again and) fills every
 * stream table again: no silent gap, the stream tables equal their queries. (A dropped slot:
 * ServiceIT.)
 */
final class SlotInvalidationIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  static final String KEYED = "SELECT id, v FROM inv_items WHERE v % 2 = 0";
  static final String ROWS = "SELECT tag, n FROM inv_rows";

  @Test
  void aSlotAdvancedBehindTricklesBack_isTakenForAGap_andItsStreamTablesFilledAgain()
      throws Exception {
    db.execute(
        "CREATE TABLE adv_items (id int PRIMARY KEY, v int)",
        "INSERT INTO adv_items SELECT g, g FROM generate_series(1, 100) g");
    String query = "SELECT id, v FROM adv_items WHERE v > 10";
    Path config =
        PipelineFixture.writeConfig(
            db,
            "adv",
            "stream_tables:\n  - name: st_adv\n    query: "
                + query
                + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n");
    try (PipelineFixture p = PipelineFixture.start(config);
        Connection c = db.connect()) {
      assertThat(Oracle.awaitEqual(c, "st_adv", query, 20_000)).isZero();
      assertThat(p.pipeline().isReady()).isTrue();
    }
    try (Connection c = db.connect();
        Statement writes = c.createStatement()) {
      writes.execute("UPDATE adv_items SET v = v + 100 WHERE id <= 40");
      writes.execute("DELETE FROM adv_items WHERE id > 90");
      // someone consumes the slot past these changes while the service is down
      writes.execute("SELECT pg_replication_slot_advance('adv', pg_current_wal_lsn())");
    }
    try (PipelineFixture p = PipelineFixture.start(config);
        Connection c = db.connect()) {
      assertThat(Oracle.awaitEqual(c, "st_adv", query, 30_000)).isZero();
      assertThat(
              p.metrics()
                  .registry()
                  .find("pg_trickle.slot.gaps")
                  .tag("reason", "slot_moved")
                  .counter()
                  .count())
          .isEqualTo(1.0);
    }
  }

  @Test
  void aSlotInvalidatedWhileDown_isCreatedAgain_andItsStreamTablesFilledAgain() throws Exception {
    Assumptions.assumeTrue(PgServer.get().canRestart(), "needs a server the tests started");
    db.execute(
        "CREATE TABLE inv_items (id int PRIMARY KEY, v int)",
        "CREATE TABLE inv_rows (tag text, n int)",
        "INSERT INTO inv_items SELECT g, g FROM generate_series(1, 200) g",
        "INSERT INTO inv_rows SELECT 'a', g FROM generate_series(1, 50) g");
    Path config =
        PipelineFixture.writeConfig(
            db,
            "inv",
            "stream_tables:\n  - name: st_inv_items\n    query: "
                + KEYED
                + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n"
                + "  - name: st_inv_rows\n    query: "
                + ROWS
                + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n");
    try (PipelineFixture p = PipelineFixture.start(config);
        Connection c = db.connect();
        Statement st = c.createStatement()) {
      st.execute("UPDATE inv_items SET v = v + 1 WHERE id <= 50");
      assertThat(Oracle.awaitEqual(c, "st_inv_items", KEYED, 20_000)).isZero();
      assertThat(Oracle.awaitEqual(c, "st_inv_rows", ROWS, 20_000)).isZero();
      assertThat(p.pipeline().isReady()).isTrue();
    }
    try (Connection admin = PgServer.get().connectAdmin();
        Statement st = admin.createStatement();
        Connection c = db.connect();
        Statement writes = c.createStatement()) {
      // written while the service is down, then pushed out of the WAL the slot retains
      writes.execute("UPDATE inv_items SET v = v + 1 WHERE id > 100");
      writes.execute("INSERT INTO inv_rows SELECT 'lost', g FROM generate_series(1, 30) g");
      writes.execute("DELETE FROM inv_rows WHERE tag = 'a' AND n <= 10");
      try {
        st.execute("ALTER SYSTEM SET max_slot_wal_keep_size = '1MB'");
        st.execute("SELECT pg_reload_conf()");
        String status = "";
        for (int i = 0; i < 40 && !status.equals("lost"); i++) {
          writes.execute("CREATE TABLE IF NOT EXISTS inv_filler (x text)");
          writes.execute(
              "INSERT INTO inv_filler SELECT md5(g::text) FROM generate_series(1, 2000) g");
          st.execute("SELECT pg_switch_wal()");
          st.execute("CHECKPOINT");
          try (ResultSet rs =
              st.executeQuery(
                  "SELECT wal_status FROM pg_replication_slots WHERE slot_name = 'inv'")) {
            rs.next();
            status = rs.getString(1);
          }
        }
        assertThat(status).as("the server invalidated the slot").isEqualTo("lost");
      } finally {
        st.execute("ALTER SYSTEM RESET max_slot_wal_keep_size");
        st.execute("SELECT pg_reload_conf()");
      }
    }
    try (PipelineFixture p = PipelineFixture.start(config);
        Connection c = db.connect()) {
      assertThat(Oracle.awaitEqual(c, "st_inv_items", KEYED, 30_000)).isZero();
      assertThat(Oracle.awaitEqual(c, "st_inv_rows", ROWS, 30_000)).isZero();
      assertThat(
              p.metrics()
                  .registry()
                  .find("pg_trickle.slot.gaps")
                  .tag("reason", "slot_invalidated")
                  .counter()
                  .count())
          .isEqualTo(1.0);
      assertThat(
              db.queryLong(
                  "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'inv' AND"
                      + " wal_status <> 'lost'"))
          .as("a working slot again")
          .isEqualTo(1);
    }
  }
}
