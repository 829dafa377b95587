package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A diamond (tx feeds x1 and x2, both feed the two differences) never shows its reader the two
 * sides at different source snapshots: x1 and x2 mean the same rows, so each difference must be
 * empty at every moment while a writer changes tx continuously, not only once it stops.
 */
final class DiamondIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  @Test
  void theReaderOfADiamondSeesBothSidesAtOneSnapshot() throws Exception {
    db.execute(
        "CREATE TABLE tx (id int PRIMARY KEY, amt int)",
        "INSERT INTO tx SELECT g, g % 10 FROM generate_series(1, 200) g");
    String yaml =
        """
        stream_tables:
          - {name: x1, query: "SELECT id, amt FROM tx", schedule: 10ms, refresh_mode: DIFFERENTIAL}
          - {name: x2, query: "SELECT id, amt FROM tx WHERE true", schedule: 10ms}
          - {name: d12, query: "SELECT id, amt FROM x1 EXCEPT ALL SELECT id, amt FROM x2", \
        schedule: 10ms}
          - {name: d21, query: "SELECT id, amt FROM x2 EXCEPT ALL SELECT id, amt FROM x1", \
        schedule: 10ms}
        """;
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicLong writes = new AtomicLong();
    try (Connection c = db.connect();
        Statement st = c.createStatement();
        PipelineFixture p =
            PipelineFixture.start(PipelineFixture.writeConfig(db, "diamond", yaml))) {
      Thread writer =
          new Thread(
              () -> {
                Random r = new Random(42);
                try (Connection w = db.connect();
                    Statement ws = w.createStatement()) {
                  while (writing.get()) {
                    int id = 1 + r.nextInt(300);
                    switch (r.nextInt(3)) {
                      case 0 ->
                          ws.execute(
                              "INSERT INTO tx VALUES ("
                                  + id
                                  + ", "
                                  + r.nextInt(10)
                                  + ") ON CONFLICT (id) DO UPDATE SET amt = excluded.amt");
                      case 1 -> ws.execute("UPDATE tx SET amt = amt + 1 WHERE id = " + id);
                      default -> ws.execute("DELETE FROM tx WHERE id = " + id);
                    }
                    writes.incrementAndGet();
                    Thread.sleep(2);
                  }
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      writer.start();
      long samples = 0;
      long seenInconsistent = 0;
      long deadline = System.currentTimeMillis() + 6_000;
      while (System.currentTimeMillis() < deadline) {
        try (ResultSet rs =
            st.executeQuery("SELECT (SELECT count(*) FROM d12) + (SELECT count(*) FROM d21)")) {
          rs.next();
          if (rs.getLong(1) != 0) {
            seenInconsistent++;
          }
        }
        samples++;
        Thread.sleep(3);
      }
      writing.set(false);
      writer.join();
      assertThat(writes.get()).isGreaterThan(100);
      assertThat(
              db.queryLong(
                  "SELECT count(*) FROM pgtrickle.pgt_refresh_history WHERE stream_table ="
                      + " 'public.d12' AND mode <> 'NONE'"))
          .as("the reader refreshed while the writer wrote")
          .isGreaterThan(5);
      assertThat(seenInconsistent)
          .as("samples (of %d) where the reader saw x1 and x2 at different snapshots", samples)
          .isZero();
      assertThat(Oracle.awaitEqual(c, "x1", "SELECT id, amt FROM tx", 20_000)).isZero();
      assertThat(Oracle.awaitEqual(c, "x2", "SELECT id, amt FROM tx", 20_000)).isZero();
      assertThat(Oracle.awaitEqual(c, "d12", "SELECT 1 AS id, 1 AS amt WHERE false", 20_000))
          .isZero();
      assertThat(p.pipeline().isReady()).isTrue();
    }
  }
}
