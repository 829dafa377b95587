package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.LiveStreamTables;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.SqlOp;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Inner joins (two and three tables, a self join, a comma join with a filter, NULL join keys,
 * duplicate rows) stay equal to their queries under random multi-table transactions, refreshed
 * DIFFERENTIAL.
 */
final class JoinIT {
  static final Map<String, String> STREAM_TABLES = new LinkedHashMap<>();

  static {
    STREAM_TABLES.put("j_two", "SELECT t.id, a.owner, t.amt FROM tx t JOIN acc a ON a.id = t.src");
    STREAM_TABLES.put(
        "j_three",
        "SELECT t.id, a.owner, n.v FROM tx t JOIN acc a ON a.id = t.src JOIN nk n ON n.tag ="
            + " a.owner WHERE t.amt > 2");
    STREAM_TABLES.put(
        "j_self",
        "SELECT x.id AS a, y.id AS b FROM acc x JOIN acc y ON x.grp = y.grp AND x.id < y.id");
    STREAM_TABLES.put("j_comma", "SELECT a.id, n.tag FROM acc a, nk n WHERE a.grp = n.v");
    STREAM_TABLES.put(
        "j_agg",
        "SELECT a.owner, count(*) AS n, sum(t.amt) AS total, max(t.amt) AS hi, min(n.v) AS lo"
            + " FROM tx t JOIN acc a ON a.id = t.src JOIN nk n ON n.tag = a.owner GROUP BY a.owner");
    STREAM_TABLES.put(
        "j_agg_global",
        "SELECT count(*) AS n, avg(t.amt) AS mean FROM tx t, acc a WHERE a.id = t.src");
  }

  private static LiveStreamTables live;

  @BeforeContainer
  static void start() throws Exception {
    PgDatabase db = PgDatabase.create("join");
    createSchema(db);
    live = LiveStreamTables.start(db, "join", "", STREAM_TABLES, "50ms", n -> "DIFFERENTIAL");
    assertThat(live.withStrategy("JOIN", "AGGREGATE")).isEqualTo(STREAM_TABLES.size());
  }

  /** Creates and fills the tables {@code acc}, {@code tx} and {@code nk}. */
  static void createSchema(PgDatabase db) throws java.sql.SQLException {
    db.execute(
        "CREATE TABLE acc (id int PRIMARY KEY, owner text, grp int)",
        "CREATE TABLE tx (id int PRIMARY KEY, src int, amt int)",
        "CREATE TABLE nk (tag text, v int)",
        "INSERT INTO acc SELECT g, (ARRAY['ann','bob','cy'])[1 + g % 3], g % 4 FROM"
            + " generate_series(1, 12) g",
        "INSERT INTO tx SELECT g, CASE WHEN g % 9 = 0 THEN NULL ELSE 1 + g % 14 END, g % 6 FROM"
            + " generate_series(1, 40) g",
        "INSERT INTO nk SELECT (ARRAY['ann','bob','zed'])[1 + g % 3], g % 4 FROM"
            + " generate_series(1, 9) g");
  }

  @AfterContainer
  static void stop() throws Exception {
    if (live != null) {
      live.close();
    }
  }

  @Property(tries = 50)
  void joinsEqualTheirQueries(@ForAll("transactions") List<List<SqlOp>> transactions)
      throws Exception {
    live.applyAndCheck(transactions, tx -> false);
  }

  @Provide
  Arbitrary<List<List<SqlOp>>> transactions() {
    return bankTransactions();
  }

  /**
   * Random transactions over {@code acc}, {@code tx} and {@code nk}, NULLs and duplicates included.
   */
  static Arbitrary<List<List<SqlOp>>> bankTransactions() {
    Arbitrary<Integer> accId = Arbitraries.integers().between(1, 16);
    Arbitrary<Integer> txId = Arbitraries.integers().between(1, 50);
    Arbitrary<String> owner = Arbitraries.of("ann", "bob", "cy", "zed").injectNull(0.1);
    Arbitrary<Integer> small = Arbitraries.integers().between(0, 5).injectNull(0.1);
    Arbitrary<SqlOp> op =
        Arbitraries.frequencyOf(
            List.of(
                Tuple.of(
                    3,
                    Combinators.combine(accId, owner, small)
                        .as(
                            (i, o, g) ->
                                new SqlOp(
                                    "INSERT INTO acc VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                                        + " owner = EXCLUDED.owner, grp = EXCLUDED.grp",
                                    Arrays.asList(i, o, g)))),
                Tuple.of(1, accId.map(i -> new SqlOp("DELETE FROM acc WHERE id = ?", List.of(i)))),
                Tuple.of(
                    4,
                    Combinators.combine(txId, accId.injectNull(0.1), small)
                        .as(
                            (i, s, a) ->
                                new SqlOp(
                                    "INSERT INTO tx VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                                        + " src = EXCLUDED.src, amt = EXCLUDED.amt",
                                    Arrays.asList(i, s, a)))),
                Tuple.of(
                    2,
                    txId.map(
                        i ->
                            new SqlOp(
                                "UPDATE tx SET amt = coalesce(amt, 0) + 1 WHERE id <= ?",
                                List.of(i)))),
                Tuple.of(1, txId.map(i -> new SqlOp("DELETE FROM tx WHERE id = ?", List.of(i)))),
                Tuple.of(
                    2,
                    Combinators.combine(owner, small)
                        .as(
                            (t, v) ->
                                new SqlOp(
                                    "INSERT INTO nk VALUES (?, ?), (?, ?)",
                                    Arrays.asList(t, v, t, v)))),
                Tuple.of(
                    2,
                    owner.map(
                        t ->
                            new SqlOp(
                                "DELETE FROM nk WHERE ctid IN (SELECT ctid FROM nk WHERE tag IS NOT"
                                    + " DISTINCT FROM ? LIMIT 1)",
                                Arrays.asList(t)))),
                Tuple.of(
                    1,
                    accId.map(
                        i ->
                            new SqlOp(
                                "UPDATE acc SET grp = grp + 1, owner = 'bob' WHERE id = ?",
                                List.of(i))))));
    return op.list().ofMinSize(1).ofMaxSize(5).list().ofMinSize(1).ofMaxSize(6);
  }
}
