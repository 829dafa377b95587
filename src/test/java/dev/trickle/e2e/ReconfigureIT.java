package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Restarting with a changed configuration: a changed query recreates its stream table, a removed
 * stream table is detached (kept, no longer maintained), and one that comes back is filled again.
 */
final class ReconfigureIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  static final String A = "SELECT id, v FROM t WHERE v > 10";
  static final String A2 = "SELECT id, v * 2 AS v2 FROM t WHERE v > 20";
  static final String B = "SELECT id FROM t WHERE v % 2 = 0";

  private static String yaml(String a, boolean withB) {
    return "stream_tables:\n  - name: st_a\n    query: "
        + a
        + "\n    schedule: 50ms\n"
        + (withB ? "  - name: st_b\n    query: " + B + "\n    schedule: 50ms\n" : "");
  }

  @Test
  void changedQuery_recreates_removedTable_detaches_andReturning_refills() throws Exception {
    db.execute(
        "CREATE TABLE t (id int PRIMARY KEY, v int)",
        "INSERT INTO t SELECT g, g FROM generate_series(1, 100) g");
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      try (PipelineFixture p =
          PipelineFixture.start(PipelineFixture.writeConfig(db, "reconf", yaml(A, true)))) {
        assertThat(Oracle.awaitEqual(c, "st_a", A, 20_000)).isZero();
        assertThat(Oracle.awaitEqual(c, "st_b", B, 20_000)).isZero();
        assertThat(p.pipeline().streamTables()).hasSize(2);
      }
      try (PipelineFixture p =
          PipelineFixture.start(PipelineFixture.writeConfig(db, "reconf", yaml(A2, false)))) {
        st.execute("UPDATE t SET v = v + 1 WHERE id <= 50");
        assertThat(Oracle.awaitEqual(c, "st_a", A2, 20_000)).isZero();
        assertThat(
                db.queryLong(
                    "SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE pgt_name = 'st_b' AND status = 'DETACHED'"))
            .isEqualTo(1);
        assertThat(p.pipeline().streamTables()).hasSize(1);
      }
      st.execute("DELETE FROM t WHERE id > 90");
      try (PipelineFixture p =
          PipelineFixture.start(PipelineFixture.writeConfig(db, "reconf", yaml(A2, true)))) {
        assertThat(Oracle.awaitEqual(c, "st_b", B, 20_000)).isZero();
        assertThat(Oracle.awaitEqual(c, "st_a", A2, 20_000)).isZero();
        assertThat(
                db.queryLong(
                    "SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE status = 'ACTIVE'"))
            .isEqualTo(2);
        assertThat(p.pipeline().isReady()).isTrue();
      }
    }
  }

  @Test
  void storageOfAnotherReleasesLayout_isCreatedAgainAndFilled() throws Exception {
    db.execute(
        "CREATE TABLE w (id int PRIMARY KEY, v int)",
        "INSERT INTO w SELECT g, g FROM generate_series(1, 50) g");
    String query = "SELECT id, v FROM w WHERE v > 5";
    String yaml = "stream_tables:\n  - name: st_w\n    query: " + query + "\n    schedule: 50ms\n";
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      try (PipelineFixture p =
          PipelineFixture.start(PipelineFixture.writeConfig(db, "layout", yaml))) {
        assertThat(Oracle.awaitEqual(c, "st_w", query, 20_000)).isZero();
        assertThat(p.pipeline().streamTables()).hasSize(1);
      }
      // what an older release left: the row id as an md5 of the key
      st.execute("ALTER TABLE st_w DROP COLUMN __pgt_k1");
      st.execute("ALTER TABLE st_w ADD COLUMN __pgt_row_id uuid");
      st.execute("UPDATE w SET v = v + 10 WHERE id <= 10");
      try (PipelineFixture p =
          PipelineFixture.start(PipelineFixture.writeConfig(db, "layout", yaml))) {
        assertThat(Oracle.awaitEqual(c, "st_w", query, 20_000)).isZero();
        st.execute("DELETE FROM w WHERE id % 3 = 0");
        assertThat(Oracle.awaitEqual(c, "st_w", query, 20_000)).isZero();
        assertThat(
                db.queryLong(
                    "SELECT count(*) FROM pg_attribute WHERE attrelid = 'st_w'::regclass AND"
                        + " attname = '__pgt_k1' AND NOT attisdropped"))
            .isEqualTo(1);
        assertThat(p.pipeline().isReady()).isTrue();
      }
    }
  }

  @Test
  void aStreamTableOfAnotherPipeline_isRefusedByName() throws Exception {
    db.execute("CREATE TABLE u (id int PRIMARY KEY)");
    String yaml = "stream_tables:\n  - name: st_u\n    query: SELECT id FROM u\n";
    try (PipelineFixture p =
        PipelineFixture.start(PipelineFixture.writeConfig(db, "first", yaml))) {
      assertThat(p.pipeline().streamTables()).hasSize(1);
    }
    var other = PipelineFixture.writeConfig(db, "second", yaml);
    assertThatThrownBy(() -> PipelineFixture.start(other))
        .isInstanceOf(dev.trickle.model.UserError.class)
        .hasMessageContaining(
            "stream table public.st_u is maintained by the pipeline of slot first");
  }
}
