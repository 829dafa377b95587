package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trickle.model.TableRef;
import dev.trickle.model.UserError;
import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import java.sql.Connection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The rules of stream tables over stream tables: cycles are refused with the cycle named (among new
 * stream tables, and when a changed query would close one), and a stream table that others read is
 * dropped only with cascade, which drops its readers first.
 */
final class DagRulesIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  private static String yaml(String... nameAndQuery) {
    StringBuilder y = new StringBuilder("stream_tables:\n");
    for (int i = 0; i < nameAndQuery.length; i += 2) {
      y.append("  - {name: ")
          .append(nameAndQuery[i])
          .append(", query: \"")
          .append(nameAndQuery[i + 1])
          .append("\", schedule: 50ms}\n");
    }
    return y.toString();
  }

  @Test
  void newStreamTablesReadingEachOther_areRefusedWithTheCycleNamed() throws Exception {
    db.execute("CREATE TABLE IF NOT EXISTS src (id int PRIMARY KEY, v int)");
    String config =
        yaml(
            "c_a", "SELECT id, v FROM c_b",
            "c_b", "SELECT id, v FROM c_a",
            "c_ok", "SELECT id, v FROM src");
    assertThatThrownBy(() -> PipelineFixture.start(PipelineFixture.writeConfig(db, "cyc", config)))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("public.c_a -> public.c_b -> public.c_a")
        .hasMessageContaining("cycle");
    assertThat(
            db.queryLong("SELECT count(*) FROM pg_class WHERE relname IN ('c_a', 'c_b', 'c_ok')"))
        .as("nothing created")
        .isZero();
  }

  @Test
  void aChangedQueryClosingACycle_isRefused_andDropNeedsCascade() throws Exception {
    db.execute(
        "CREATE TABLE IF NOT EXISTS src (id int PRIMARY KEY, v int)",
        "INSERT INTO src SELECT g, g FROM generate_series(1, 10) g ON CONFLICT DO NOTHING");
    String up = "SELECT id, v FROM src WHERE v > 2";
    String down = "SELECT id, v FROM up WHERE v < 8";
    String last = "SELECT count(*) AS n FROM down";
    var config =
        PipelineFixture.writeConfig(db, "rules", yaml("up", up, "down", down, "last", last));
    try (Connection c = db.connect();
        PipelineFixture p = PipelineFixture.start(config)) {
      assertThat(
              Oracle.awaitEqual(
                  c, "last", "SELECT count(*) AS n FROM src WHERE v > 2 AND v < 8", 20_000))
          .isZero();
      assertThat(p.pipeline().isReady()).isTrue();
    }
    var cyclic =
        PipelineFixture.writeConfig(
            db, "rules", yaml("up", "SELECT id, v FROM down", "down", down, "last", last));
    assertThatThrownBy(() -> PipelineFixture.start(cyclic))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("public.up -> public.down -> public.up");

    try (Connection c = db.connect();
        PipelineFixture p = PipelineFixture.start(config)) {
      TableRef upRef = new TableRef("public", "up");
      assertThatThrownBy(() -> p.pipeline().admin().drop(upRef, false))
          .isInstanceOf(UserError.class)
          .hasMessageContaining("is read by public.down, public.last")
          .hasMessageContaining("--cascade");
      assertThat(db.queryLong("SELECT count(*) FROM pgtrickle.pgt_stream_tables")).isEqualTo(3);
      assertThat(p.pipeline().admin().drop(upRef, true))
          .containsExactly(new TableRef("public", "last"), new TableRef("public", "down"), upRef);
      assertThat(
              db.queryLong("SELECT count(*) FROM pg_class WHERE relname IN ('up', 'down', 'last')"))
          .isZero();
      assertThat(db.queryLong("SELECT count(*) FROM pgtrickle.pgt_stream_tables")).isZero();
      assertThat(Oracle.difference(c, "src", "SELECT id, v FROM src")).isZero();
    }
  }
}
