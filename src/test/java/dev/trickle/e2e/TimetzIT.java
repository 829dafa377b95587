package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trickle.model.UserError;
import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code timetz} values, which the Debezium connector turns into UTC (dropping the offset that
 * PostgreSQL's equality compares): with pgoutput a stream table shipping them is maintained
 * differentially; with Debezium, AUTO refreshes it FULL and DIFFERENTIAL is refused naming the
 * column, while a stream table that ships only keys stays differential. Every stream table equals
 * its query either way.
 */
final class TimetzIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  static final String ROWS = "SELECT at, note FROM tz_rows";
  static final String KEYED = "SELECT id, at FROM tz_keyed";

  @Test
  void timetzValues_equalTheirQuery_andDebeziumNeverShipsThem() throws Exception {
    boolean debezium = PipelineFixture.cdcSource().equals("debezium");
    db.execute(
        "CREATE TABLE tz_rows (at timetz, note text)",
        "CREATE TABLE tz_keyed (id int PRIMARY KEY, at timetz)",
        "INSERT INTO tz_rows VALUES ('10:00:00+05:30', 'a'), ('04:30:00+00', 'b')",
        "INSERT INTO tz_keyed VALUES (1, '10:00:00+05:30')");
    String yaml =
        "stream_tables:\n  - name: st_rows\n    query: "
            + ROWS
            + "\n    schedule: 50ms\n    refresh_mode: AUTO\n"
            + "  - name: st_keyed\n    query: "
            + KEYED
            + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n";
    try (PipelineFixture p = PipelineFixture.start(PipelineFixture.writeConfig(db, "tz", yaml));
        Connection c = db.connect();
        Statement st = c.createStatement()) {
      assertThat(p.pipeline().isReady()).isTrue();
      st.execute("INSERT INTO tz_rows VALUES ('23:59:59.999999-12:00', 'c'), (NULL, 'd')");
      st.execute("UPDATE tz_rows SET note = note || '!' WHERE note = 'a'");
      st.execute("UPDATE tz_keyed SET at = '01:02:03+01' WHERE id = 1");
      st.execute("INSERT INTO tz_keyed VALUES (2, '12:00:00-03:30')");
      assertThat(Oracle.awaitEqual(c, "st_rows", ROWS, 20_000)).isZero();
      assertThat(Oracle.awaitEqual(c, "st_keyed", KEYED, 20_000)).isZero();
      assertThat(strategy("public.st_rows")).isEqualTo(debezium ? "FULL_ONLY" : "MULTISET");
      assertThat(strategy("public.st_keyed")).isEqualTo("KEYED");
    }
    String differential =
        "stream_tables:\n  - name: st_rows_diff\n    query: "
            + ROWS
            + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n";
    if (debezium) {
      assertThatThrownBy(
              () -> PipelineFixture.start(PipelineFixture.writeConfig(db, "tz2", differential)))
          .isInstanceOf(UserError.class)
          .hasMessageContaining("stream table public.st_rows_diff: DIFFERENTIAL refresh impossible")
          .hasMessageContaining("reads column at of public.tz_rows, of type time with time zone")
          .hasMessageContaining("cdc.source: pgoutput carries them");
      assertThat(db.queryLong("SELECT count(*) FROM pg_class WHERE relname = 'st_rows_diff'"))
          .as("nothing half-created")
          .isZero();
    } else {
      try (PipelineFixture p =
              PipelineFixture.start(PipelineFixture.writeConfig(db, "tz2", differential));
          Connection c = db.connect()) {
        assertThat(p.pipeline().streamTables()).hasSize(1);
        assertThat(Oracle.awaitEqual(c, "st_rows_diff", ROWS, 20_000)).isZero();
      }
    }
  }

  private static String strategy(String name) throws Exception {
    try (Connection c = db.connect();
        var ps =
            c.prepareStatement(
                "SELECT strategy FROM pgtrickle.pgt_stream_tables WHERE pgt_schema || '.' ||"
                    + " pgt_name = ?")) {
      ps.setString(1, name);
      try (var rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }
}
