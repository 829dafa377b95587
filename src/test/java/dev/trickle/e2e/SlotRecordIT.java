package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import java.sql.Connection;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The server never holds the slot ahead of the position Trickle recorded, through writes, idle
 * spells and restarts: start-up takes a slot ahead of the record for a gap and fills every stream
 * table again, which a restart must not cause.
 */
final class SlotRecordIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  private static final String POSITIONS =
      "SELECT (SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'record')"
          + " <= (SELECT confirmed_lsn FROM pgtrickle.pgt_slots WHERE slot_name = 'record')";

  @Test
  void restartsAfterWritesAndIdleSpells_neverFindTheSlotAheadOfTheRecord() throws Exception {
    db.execute(
        "CREATE TABLE s (id int PRIMARY KEY, v int)",
        "INSERT INTO s SELECT g, g FROM generate_series(1, 10) g");
    String query = "SELECT id, v FROM s";
    var config =
        PipelineFixture.writeConfig(
            db,
            "record",
            "stream_tables:\n  - {name: st, query: \"" + query + "\", schedule: 50ms}\n");
    for (int round = 0; round < 4; round++) {
      try (Connection c = db.connect();
          PipelineFixture p = PipelineFixture.start(config)) {
        for (int i = 0; i < 20; i++) {
          db.execute("UPDATE s SET v = v + 1 WHERE id = " + (1 + i % 10));
          Thread.sleep(10);
        }
        assertThat(Oracle.awaitEqual(c, "st", query, 20_000)).isZero();
        // idle long enough for keepalives, and for an idle position to be recorded
        Thread.sleep(round * 1_100L);
        assertThat(db.queryRows(POSITIONS))
            .as("running, round %d", round)
            .isEqualTo(List.of(List.of("t")));
        assertThat(p.pipeline().isReady()).isTrue();
      }
      assertThat(db.queryRows(POSITIONS))
          .as("stopped, round %d", round)
          .isEqualTo(List.of(List.of("t")));
    }
    assertThat(
            db.queryLong(
                "SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE reason_code ="
                    + " 'initial_fill'"))
        .as("filled once, not again at a restart")
        .isEqualTo(1);
  }
}
