package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.LiveStreamTables;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.SqlOp;
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
 * Algebraic aggregates (COUNT, SUM, AVG with GROUP BY, expression keys, NULL groups, global
 * aggregates with a filter, a source without a key) stay equal to their queries under random
 * transactions, refreshed DIFFERENTIAL.
 */
final class AggregateIT {
  static final Map<String, String> STREAM_TABLES = new LinkedHashMap<>();

  static {
    STREAM_TABLES.put(
        "agg_region",
        "SELECT region, count(*) AS n, count(qty) AS nq, sum(qty) AS sq, avg(price) AS ap,"
            + " sum(price) AS sp, avg(qty) AS aq FROM sales GROUP BY region");
    STREAM_TABLES.put(
        "agg_global", "SELECT count(*) AS n, sum(price) AS total FROM sales WHERE qty > 2");
    STREAM_TABLES.put(
        "agg_expr",
        "SELECT s.region, s.qty % 3 AS bucket, sum(s.qty) AS total FROM sales s GROUP BY"
            + " s.region, s.qty % 3");
    STREAM_TABLES.put(
        "agg_dup", "SELECT tag, count(*) AS n, sum(v) AS total FROM dup GROUP BY tag");
    STREAM_TABLES.put(
        "minmax_region",
        "SELECT region, min(price) AS lo, max(qty) AS hi, count(*) AS n FROM sales WHERE id <> 13"
            + " OR qty IS NULL GROUP BY region");
    STREAM_TABLES.put("minmax_global", "SELECT min(v) AS lo, max(tag) AS top FROM dup");
    STREAM_TABLES.put("distinct_sales", "SELECT DISTINCT region, qty % 2 AS parity FROM sales");
    STREAM_TABLES.put("distinct_dup", "SELECT DISTINCT tag FROM dup WHERE v > 0");
  }

  private static LiveStreamTables live;

  @BeforeContainer
  static void start() throws Exception {
    PgDatabase db = PgDatabase.create("aggregate");
    db.execute(
        "CREATE TABLE sales (id int PRIMARY KEY, region text, qty int, price numeric(10,2))",
        "CREATE TABLE dup (tag text, v bigint)",
        "INSERT INTO sales SELECT g, (ARRAY['eu','us',NULL])[1 + g % 3], CASE WHEN g % 7 = 0"
            + " THEN NULL ELSE g % 5 END, g * 1.25 FROM generate_series(1, 30) g",
        "INSERT INTO dup SELECT (ARRAY['a','b'])[1 + g % 2], g FROM generate_series(1, 10) g");
    live = LiveStreamTables.start(db, "aggregate", "", STREAM_TABLES, "50ms", n -> "DIFFERENTIAL");
    assertThat(live.withStrategy("AGGREGATE")).isEqualTo(STREAM_TABLES.size());
  }

  @AfterContainer
  static void stop() throws Exception {
    if (live != null) {
      live.close();
    }
  }

  @Property(tries = 60)
  void aggregatesEqualTheirQueries(@ForAll("transactions") List<List<SqlOp>> transactions)
      throws Exception {
    live.applyAndCheck(transactions, tx -> false);
  }

  @Provide
  Arbitrary<List<List<SqlOp>>> transactions() {
    Arbitrary<Integer> id = Arbitraries.integers().between(1, 40);
    Arbitrary<String> region = Arbitraries.of("eu", "us", "asia").injectNull(0.2);
    Arbitrary<Integer> qty = Arbitraries.integers().between(0, 9).injectNull(0.15);
    Arbitrary<String> price =
        Arbitraries.integers()
            .between(-500, 5000)
            .map(p -> String.valueOf(p / 100.0))
            .injectNull(0.15);
    Arbitrary<SqlOp> op =
        Arbitraries.frequencyOf(
            List.of(
                Tuple.of(
                    4,
                    Combinators.combine(id, region, qty, price)
                        .as(
                            (i, r, q, p) ->
                                new SqlOp(
                                    "INSERT INTO sales VALUES (?, ?, ?, ?::numeric) ON CONFLICT (id)"
                                        + " DO UPDATE SET qty = EXCLUDED.qty",
                                    java.util.Arrays.asList(i, r, q, p)))),
                Tuple.of(
                    4,
                    Combinators.combine(id, region, price)
                        .as(
                            (i, r, p) ->
                                new SqlOp(
                                    "UPDATE sales SET region = ?, price = ?::numeric WHERE id = ?",
                                    java.util.Arrays.asList(r, p, i)))),
                Tuple.of(
                    2,
                    id.map(
                        i ->
                            new SqlOp(
                                "UPDATE sales SET qty = coalesce(qty, 0) + 1 WHERE id <= ?",
                                List.of(i)))),
                Tuple.of(2, id.map(i -> new SqlOp("DELETE FROM sales WHERE id = ?", List.of(i)))),
                Tuple.of(
                    3,
                    Combinators.combine(
                            Arbitraries.of("a", "b", "c"), Arbitraries.longs().between(-5, 5))
                        .as(
                            (t, v) ->
                                new SqlOp(
                                    "INSERT INTO dup VALUES (?, ?), (?, ?)", List.of(t, v, t, v)))),
                Tuple.of(
                    2,
                    Arbitraries.of("a", "b", "c")
                        .map(
                            t ->
                                new SqlOp(
                                    "DELETE FROM dup WHERE ctid IN (SELECT ctid FROM dup WHERE tag = ?"
                                        + " LIMIT 1)",
                                    List.of(t)))),
                Tuple.of(
                    1,
                    Arbitraries.just(
                        new SqlOp("DELETE FROM sales WHERE region IS NULL", List.of())))));
    return op.list().ofMinSize(1).ofMaxSize(5).list().ofMinSize(1).ofMaxSize(6);
  }
}
