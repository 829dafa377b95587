package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.LiveStreamTables;
import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.SqlOp;
import java.sql.Connection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Stream tables over stream tables: a chain three deep, a diamond and a set operation over two
 * stream tables, declared readers first (so creation must order them). After random transactions
 * every stream table equals its query with every stream table it reads replaced by that one's own
 * query, that is, by what it means over the plain tables (checked readers last, so each against the
 * final state of what it reads).
 */
final class DagIT {
  /** Declared order: readers before what they read. */
  static final Map<String, String> STREAM_TABLES = new LinkedHashMap<>();

  /** Each stream table's meaning over the plain tables, in the order to check them. */
  static final Map<String, String> MEANING = new LinkedHashMap<>();

  private static final String BIG = "SELECT id, src, amt FROM tx WHERE amt > 1";
  private static final String SMALL = "SELECT id, src, amt FROM tx WHERE amt < 4";

  static {
    STREAM_TABLES.put(
        "g_total", "SELECT owner, sum(n) AS n, sum(s) AS s FROM g_by_src GROUP BY owner");
    STREAM_TABLES.put(
        "g_by_src",
        "SELECT j.src, j.owner, count(*) AS n, sum(j.amt) AS s FROM g_join j GROUP BY j.src,"
            + " j.owner");
    STREAM_TABLES.put(
        "g_join", "SELECT b.id, b.src, b.amt, a.owner FROM g_big b JOIN acc a ON a.id = b.src");
    STREAM_TABLES.put(
        "g_diamond", "SELECT b.id, b.amt, s.src FROM g_big b JOIN g_small s ON s.id = b.id");
    STREAM_TABLES.put("g_except", "SELECT id FROM g_big EXCEPT ALL SELECT id FROM g_small");
    STREAM_TABLES.put("g_big", BIG);
    STREAM_TABLES.put("g_small", SMALL);

    String join =
        "SELECT b.id, b.src, b.amt, a.owner FROM (" + BIG + ") b JOIN acc a ON a.id = b.src";
    String bySrc =
        "SELECT j.src, j.owner, count(*) AS n, sum(j.amt) AS s FROM ("
            + join
            + ") j GROUP BY"
            + " j.src, j.owner";
    MEANING.put("g_big", BIG);
    MEANING.put("g_small", SMALL);
    MEANING.put("g_join", join);
    MEANING.put("g_by_src", bySrc);
    MEANING.put(
        "g_total", "SELECT owner, sum(n) AS n, sum(s) AS s FROM (" + bySrc + ") x GROUP BY owner");
    MEANING.put(
        "g_diamond",
        "SELECT b.id, b.amt, s.src FROM (" + BIG + ") b JOIN (" + SMALL + ") s ON s.id = b.id");
    MEANING.put(
        "g_except", "SELECT id FROM (" + BIG + ") b EXCEPT ALL SELECT id FROM (" + SMALL + ") s");
  }

  private static LiveStreamTables live;
  private static Connection conn;

  @BeforeContainer
  static void start() throws Exception {
    PgDatabase db = PgDatabase.create("dag");
    JoinIT.createSchema(db);
    live = LiveStreamTables.start(db, "dag", "", STREAM_TABLES, "20ms", n -> "AUTO");
    conn = db.connect();
  }

  @AfterContainer
  static void stop() throws Exception {
    if (conn != null) {
      conn.close();
    }
    if (live != null) {
      live.close();
    }
  }

  @Property(tries = 25)
  void everyStreamTableEqualsWhatItMeans(@ForAll("transactions") List<List<SqlOp>> transactions)
      throws Exception {
    SqlOp.applyAll(live.db(), transactions, tx -> false);
    for (Map.Entry<String, String> e : MEANING.entrySet()) {
      assertThat(Oracle.awaitEqual(conn, e.getKey(), e.getValue(), 30_000))
          .as("%s differs from what it means after %s", e.getKey(), transactions)
          .isZero();
    }
  }

  @Provide
  Arbitrary<List<List<SqlOp>>> transactions() {
    return JoinIT.bankTransactions();
  }
}
