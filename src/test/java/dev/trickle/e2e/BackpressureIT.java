package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A change buffer over its budget: reading pauses, the stream tables holding the changes are
 * refreshed FULL at once instead of waiting for their (hour-long) schedule, and the pipeline
 * carries on exactly.
 */
final class BackpressureIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  static final String QUERY = "SELECT id, payload FROM wide WHERE id % 2 = 0";

  @Test
  void bufferOverBudget_refreshesFullAndStaysExact() throws Exception {
    db.execute("CREATE TABLE wide (id int PRIMARY KEY, payload text)");
    String yaml =
        "settings:\n  cdc:\n    buffer_max_mb: 1\n"
            + "stream_tables:\n  - name: st_wide\n    query: "
            + QUERY
            + "\n    schedule: 1h\n    refresh_mode: DIFFERENTIAL\n";
    try (PipelineFixture pipeline =
            PipelineFixture.start(PipelineFixture.writeConfig(db, "backpressure", yaml));
        Connection c = db.connect();
        Statement st = c.createStatement()) {
      for (int batch = 0; batch < 4; batch++) {
        st.execute(
            "INSERT INTO wide SELECT g, repeat('p', 200) FROM generate_series("
                + (batch * 10_000 + 1)
                + ", "
                + (batch + 1) * 10_000
                + ") g");
      }
      assertThat(Oracle.awaitEqual(c, "st_wide", QUERY, 60_000)).isZero();
      try (ResultSet rs =
          st.executeQuery(
              "SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE reason_code ="
                  + " 'buffer_full' AND status = 'SUCCESS'")) {
        rs.next();
        assertThat(rs.getLong(1)).isPositive();
      }
      assertThat(pipeline.pipeline().isReady()).isTrue();
    }
  }
}
