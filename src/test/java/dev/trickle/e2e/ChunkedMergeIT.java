package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Chunked MERGE (seed QW-9): a delta larger than {@code merge_batch_size} is merged in {@code
 * ceil(n / merge_batch_size)} chunks, recorded in the history, the result equals the query, and a
 * concurrent reader never sees a partly merged state.
 */
final class ChunkedMergeIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  static final String KEYED = "SELECT id, v FROM k WHERE v % 5 <> 0";
  static final String MULTISET = "SELECT tag, v FROM nk";
  static final String AGGREGATE = "SELECT v % 7 AS g, count(*) AS n, sum(v) AS s FROM k GROUP BY 1";

  private static long chunksOfLastRefresh(String st, long deltaRows) throws Exception {
    return db.queryLong(
        "SELECT merge_chunks FROM pgtrickle.pgt_refresh_history WHERE stream_table = 'public."
            + st
            + "' AND mode = 'DIFFERENTIAL' AND delta_rows = "
            + deltaRows
            + " ORDER BY refresh_id DESC LIMIT 1");
  }

  @Test
  void largeDeltas_areMergedInChunks_allOrNothing() throws Exception {
    db.execute(
        "CREATE TABLE k (id int PRIMARY KEY, v int)",
        "CREATE TABLE nk (tag text, v int)",
        "INSERT INTO k SELECT g, g FROM generate_series(1, 200) g");
    String yaml =
        "settings:\n  dvm:\n    merge_batch_size: 100\n"
            + PipelineFixture.streamTablesYaml(
                java.util.Map.of("st_k", KEYED, "st_nk", MULTISET, "st_agg", AGGREGATE),
                "50ms",
                n -> "DIFFERENTIAL");
    try (Connection c = db.connect();
        Statement st = c.createStatement();
        PipelineFixture p =
            PipelineFixture.start(PipelineFixture.writeConfig(db, "chunks", yaml))) {
      assertThat(Oracle.awaitEqual(c, "st_k", KEYED, 20_000)).isZero();
      long before;
      try (ResultSet rs = st.executeQuery("SELECT count(*) FROM st_k")) {
        rs.next();
        before = rs.getLong(1);
      }
      // a reader that must only ever see the stream table before or after the whole delta
      Set<Long> seen = ConcurrentHashMap.newKeySet();
      AtomicBoolean reading = new AtomicBoolean(true);
      Thread reader =
          new Thread(
              () -> {
                try (Connection r = db.connect();
                    Statement rst = r.createStatement()) {
                  while (reading.get()) {
                    try (ResultSet rs = rst.executeQuery("SELECT count(*) FROM st_k")) {
                      rs.next();
                      seen.add(rs.getLong(1));
                    }
                  }
                } catch (Exception e) {
                  seen.add(-1L);
                }
              });
      reader.start();
      // 1,050 new keys, every one kept by the filter: 11 chunks of at most 100
      st.execute("INSERT INTO k SELECT g, g * 5 + 1 FROM generate_series(1001, 2050) g");
      st.execute("INSERT INTO nk SELECT 'tag ' || (g % 9), g FROM generate_series(1, 250) g");
      assertThat(Oracle.awaitEqual(c, "st_k", KEYED, 20_000)).isZero();
      assertThat(Oracle.awaitEqual(c, "st_nk", MULTISET, 20_000)).isZero();
      assertThat(Oracle.awaitEqual(c, "st_agg", AGGREGATE, 20_000)).isZero();
      reading.set(false);
      reader.join();

      assertThat(seen).as("counts a reader saw").containsOnly(before, before + 1050);
      assertThat(chunksOfLastRefresh("st_k", 1050)).isEqualTo(11);
      assertThat(chunksOfLastRefresh("st_nk", 250)).isEqualTo(3);
      // the aggregate's 1,050 changed rows fall into 7 groups: one chunk
      assertThat(chunksOfLastRefresh("st_agg", 1050)).isEqualTo(1);

      // deletes and updates, chunked as well
      st.execute("UPDATE k SET v = v + 1 WHERE id > 1500");
      st.execute("DELETE FROM k WHERE id % 3 = 0");
      st.execute("DELETE FROM nk WHERE v % 2 = 0");
      assertThat(Oracle.awaitEqual(c, "st_k", KEYED, 20_000)).isZero();
      assertThat(Oracle.awaitEqual(c, "st_nk", MULTISET, 20_000)).isZero();
      assertThat(Oracle.awaitEqual(c, "st_agg", AGGREGATE, 20_000)).isZero();

      // a small delta: one MERGE
      st.execute("UPDATE k SET v = v + 1 WHERE id = 7");
      assertThat(Oracle.awaitEqual(c, "st_k", KEYED, 20_000)).isZero();
      assertThat(chunksOfLastRefresh("st_k", 1)).isEqualTo(1);
      assertThat(p.pipeline().isReady()).isTrue();
    }
  }
}
