package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Hand-picked scenarios with exact expectations, each ending with the oracle. */
final class ScenarioIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  static final String BATCHES = "SELECT id, batch, payload FROM batches WHERE batch >= 0";
  static final String VALUES = "SELECT id, label, doc, big, coalesce(n, -1) AS n FROM vals";
  static final String LOG = "SELECT line, level FROM log WHERE level <> 'debug'";
  static final String QUALIFIED =
      "SELECT public.batches.id, upper(public.batches.payload) AS p FROM public.batches WHERE"
          + " public.batches.batch % 2 = 0";
  static final String PARTED = "SELECT id, region, qty FROM parted WHERE qty > 0";

  private static PipelineFixture pipeline;

  @BeforeAll
  static void start() throws Exception {
    db.execute(
        "CREATE TABLE batches (id bigint PRIMARY KEY, batch int NOT NULL, payload text)",
        "CREATE TABLE vals (id int PRIMARY KEY, label text, doc jsonb, big text, n int)",
        "CREATE TABLE log (line text, level text)",
        "CREATE TABLE parted (id int, region text, qty int, PRIMARY KEY (id, region)) PARTITION BY"
            + " LIST (region)",
        "CREATE TABLE parted_eu PARTITION OF parted FOR VALUES IN ('eu')",
        "CREATE TABLE parted_us PARTITION OF parted FOR VALUES IN ('us')");
    String yaml =
        "stream_tables:\n"
            + "  - name: st_batches\n    query: "
            + BATCHES
            + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n"
            + "  - name: st_vals\n    query: "
            + VALUES
            + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n"
            + "  - name: st_log\n    query: "
            + LOG
            + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n"
            + "  - name: st_qualified\n    query: "
            + QUALIFIED
            + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n"
            + "  - name: st_parted\n    query: "
            + PARTED
            + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n";
    pipeline = PipelineFixture.start(PipelineFixture.writeConfig(db, "scenario", yaml));
  }

  @AfterAll
  static void stop() {
    if (pipeline != null) {
      pipeline.close();
    }
  }

  @Test
  void insertOfNRows_isNeverVisiblePartly() throws Exception {
    int n = 37;
    AtomicBoolean done = new AtomicBoolean();
    AtomicReference<String> torn = new AtomicReference<>();
    List<Long> seen = new ArrayList<>();
    Thread reader =
        new Thread(
            () -> {
              try (Connection c = db.connect();
                  Statement st = c.createStatement()) {
                while (!done.get() && torn.get() == null) {
                  try (ResultSet rs = st.executeQuery("SELECT count(*) FROM st_batches")) {
                    rs.next();
                    long count = rs.getLong(1);
                    seen.add(count);
                    if (count % n != 0) {
                      torn.set("a reader saw " + count + " rows, not a multiple of " + n);
                    }
                  }
                }
              } catch (Exception e) {
                torn.compareAndSet(null, e.toString());
              }
            });
    reader.start();
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      for (int b = 0; b < 60; b++) {
        st.execute(
            "INSERT INTO batches SELECT "
                + b
                + " * 1000 + g, "
                + b
                + ", repeat('x', g) FROM generate_series(1, "
                + n
                + ") g");
        Thread.sleep(7);
      }
    }
    try (Connection c = db.connect()) {
      assertThat(Oracle.awaitEqual(c, "st_batches", BATCHES, 20_000)).isZero();
      assertThat(Oracle.awaitEqual(c, "st_qualified", QUALIFIED, 20_000)).isZero();
    }
    done.set(true);
    reader.join();
    assertThat(torn.get()).isNull();
    assertThat(seen.stream().distinct().count())
        .as("the reader saw the table grow")
        .isGreaterThan(3);
  }

  @Test
  void nullsUnicodeToastAndUnchangedToast_comeThroughExactly() throws Exception {
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      st.execute(
          "INSERT INTO vals SELECT g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'žluťoučký 🐎 ' || g ||"
              + " E'\\t\\\\n' END, CASE WHEN g % 2 = 0 THEN jsonb_build_object('k', g, 'e', 'é\"') END,"
              + " (SELECT string_agg(md5(g::text || x), '') FROM generate_series(1, 400) x), CASE"
              + " WHEN g % 5 = 0 THEN NULL ELSE g END FROM generate_series(1, 50) g");
      assertThat(Oracle.awaitEqual(c, "st_vals", VALUES, 20_000)).isZero();
      // an update that leaves the TOASTed column unchanged: pgoutput sends 'u' for it
      st.execute("UPDATE vals SET n = coalesce(n, 0) + 1, label = label || '✓' WHERE id <= 25");
      assertThat(Oracle.awaitEqual(c, "st_vals", VALUES, 20_000)).isZero();
      st.execute("UPDATE vals SET big = big || 'tail' WHERE id % 7 = 0");
      st.execute("DELETE FROM vals WHERE id % 11 = 0");
      assertThat(Oracle.awaitEqual(c, "st_vals", VALUES, 20_000)).isZero();
      try (ResultSet rs =
          st.executeQuery("SELECT count(*) FROM st_vals WHERE length(big) = 12800")) {
        rs.next();
        assertThat(rs.getLong(1)).as("TOASTed values kept whole").isGreaterThan(20);
      }
    }
  }

  @Test
  void truncateOfASource_refreshesFull() throws Exception {
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      st.execute(
          "INSERT INTO log SELECT 'l' || g, (ARRAY['debug','info','warn'])[1 + g % 3] FROM"
              + " generate_series(1, 300) g");
      assertThat(Oracle.awaitEqual(c, "st_log", LOG, 20_000)).isZero();
      st.execute(
          "BEGIN; TRUNCATE log; INSERT INTO log VALUES ('after', 'info'), ('after', 'info'); COMMIT");
      assertThat(Oracle.awaitEqual(c, "st_log", LOG, 20_000)).isZero();
      try (ResultSet rs =
          st.executeQuery(
              "SELECT mode, reason_code, rows_inserted FROM pgtrickle.pgt_refresh_history WHERE"
                  + " stream_table = 'public.st_log' ORDER BY refresh_id DESC LIMIT 1")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("FULL");
        assertThat(rs.getString(2)).isEqualTo("source_truncate");
        assertThat(rs.getLong(3)).isEqualTo(2);
      }
    }
  }

  @Test
  void partitionedSource_changesOfEveryPartitionArrive() throws Exception {
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      st.execute(
          "INSERT INTO parted SELECT g, (ARRAY['eu','us'])[1 + g % 2], g % 5 FROM"
              + " generate_series(1, 200) g");
      st.execute("UPDATE parted SET qty = qty + 1 WHERE id % 3 = 0");
      st.execute("UPDATE parted SET region = 'us' WHERE id = 2");
      st.execute("DELETE FROM parted WHERE id % 7 = 0");
      assertThat(Oracle.awaitEqual(c, "st_parted", PARTED, 20_000)).isZero();
    }
  }

  @Test
  void largeDelta_isAppliedDifferentially_andItsChangedRowsCounted() throws Exception {
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      st.execute(
          "INSERT INTO batches SELECT 900000 + g, -1, 'bulk' FROM generate_series(1, 6000) g");
      st.execute("INSERT INTO batches SELECT 800000 + g, 1, 'kept' FROM generate_series(1, 10) g");
      assertThat(Oracle.awaitEqual(c, "st_batches", BATCHES, 20_000)).isZero();
      long before;
      try (ResultSet rs =
          st.executeQuery(
              "SELECT coalesce(max(refresh_id), 0) FROM pgtrickle.pgt_refresh_history")) {
        rs.next();
        before = rs.getLong(1);
      }
      // 6000 rows enter the stream table, and 10 of the rows already in it change
      st.execute(
          "UPDATE batches SET batch = 7, payload = 'moved' WHERE id > 900000 OR id BETWEEN 800001"
              + " AND 800010");
      assertThat(Oracle.awaitEqual(c, "st_batches", BATCHES, 20_000)).isZero();
      try (ResultSet rs =
          st.executeQuery(
              "SELECT max(delta_rows), sum(rows_affected), count(*) FILTER (WHERE mode <>"
                  + " 'DIFFERENTIAL') FROM pgtrickle.pgt_refresh_history WHERE stream_table ="
                  + " 'public.st_batches' AND status = 'SUCCESS' AND refresh_id > "
                  + before)) {
        rs.next();
        assertThat(rs.getLong(1)).isGreaterThanOrEqualTo(6000);
        assertThat(rs.getLong(2)).as("rows the MERGE changed").isEqualTo(6010);
        assertThat(rs.getLong(3)).isZero();
      }
    }
  }
}
