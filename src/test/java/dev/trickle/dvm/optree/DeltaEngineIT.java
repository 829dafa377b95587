package dev.trickle.dvm.optree;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.config.RefreshMode;
import dev.trickle.dvm.DvmLimits;
import dev.trickle.dvm.RefreshSql;
import dev.trickle.model.Strategy;
import dev.trickle.model.TableRef;
import dev.trickle.service.Plan;
import dev.trickle.service.StreamTablePlanner;
import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.SqlOp;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * The delta engine's backbone property: for random queries from {@link QueryGrammar} and random
 * transactions over a small schema with NULLs and duplicates, the stream table, maintained only by
 * applying each transaction's delta with the generated statement, equals its query run directly
 * after every transaction. The deltas are computed here from snapshots of the source tables (old
 * rows -1, new rows +1, plus cancelling noise pairs, since a real delta need not be consolidated),
 * so the test exercises the SQL the planner generates, without the replication stream around it.
 * Every counterexample ever found is kept in {@link #REGRESSIONS}.
 */
final class DeltaEngineIT {
  /** Queries that once failed, kept as regression tests. */
  static final List<String> REGRESSIONS =
      List.of(
          // outer joins under other operators: the join's inputs were not parenthesised
          "SELECT p.k AS g, string_agg(q.w::text, ',' ORDER BY q.w::text) AS a0 FROM p LEFT JOIN"
              + " q ON p.k = q.k GROUP BY p.k",
          "SELECT count(*) AS a0, max(r.v) AS a1 FROM p FULL JOIN r ON p.k = r.k",
          // column references inside FILTER (WHERE ...) were not rewritten
          "SELECT p.k AS g, sum(p.v) FILTER (WHERE p.v > 1) AS a0, max(q.w) FILTER (WHERE q.w <"
              + " 3) AS a1 FROM p JOIN q ON p.k = q.k GROUP BY p.k",
          // JSqlParser once read the canonical a ~~ b (LIKE) as a ~ (~b)
          "SELECT p.id AS e0, q.w AS e1 FROM p LEFT JOIN q ON p.k = q.k WHERE p.s LIKE 's1%'"
              + " OR p.s NOT ILIKE 'S2'");

  private static PgDatabase db;
  private static Connection conn;

  @BeforeContainer
  static void start() throws Exception {
    db = PgDatabase.create("deltaengine");
    db.execute(
        "CREATE TABLE p (id int PRIMARY KEY, k int, v int, s text)",
        "CREATE TABLE q (id int PRIMARY KEY, k int, w int)",
        "CREATE TABLE r (k int, v int)");
    conn = db.connect();
    try (Statement st = conn.createStatement()) {
      st.execute("SET jit = off"); // as RefreshExecutor does for delta statements
      st.execute("SET random_page_cost = 1.1");
    }
  }

  @AfterContainer
  static void stop() throws Exception {
    if (conn != null) {
      conn.close();
    }
    if (db != null) {
      db.drop();
    }
  }

  @Property(tries = 1000)
  void streamTableEqualsItsQueryAfterEveryTransaction(
      @ForAll("choices") List<Integer> choices,
      @ForAll("transactions") List<List<SqlOp>> transactions,
      @ForAll boolean noise)
      throws Exception {
    check(QueryGrammar.query(choices), transactions, noise);
  }

  @Example
  void regressions() throws Exception {
    Random random = new Random(42);
    for (String query : REGRESSIONS) {
      List<List<SqlOp>> transactions = new ArrayList<>();
      for (int t = 0; t < 6; t++) {
        List<SqlOp> tx = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          tx.add(randomOp(random));
        }
        transactions.add(tx);
      }
      check(query, transactions, true);
    }
  }

  @Provide
  Arbitrary<List<Integer>> choices() {
    return Arbitraries.integers().between(0, 1000).list().ofSize(24);
  }

  @Provide
  Arbitrary<List<List<SqlOp>>> transactions() {
    return Arbitraries.randomValue(DeltaEngineIT::randomOp)
        .list()
        .ofMinSize(1)
        .ofMaxSize(5)
        .list()
        .ofMinSize(1)
        .ofMaxSize(5);
  }

  private static Integer small(Random random, int bound) {
    return random.nextInt(6) == 0 ? null : random.nextInt(bound);
  }

  private static SqlOp randomOp(Random random) {
    int id = 1 + random.nextInt(14);
    return switch (random.nextInt(9)) {
      case 0 ->
          new SqlOp(
              "INSERT INTO p VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
              Arrays.asList(id, small(random, 4), small(random, 5), "s" + random.nextInt(3)));
      case 1 ->
          new SqlOp(
              "UPDATE p SET k = ?, v = ? WHERE id = ?",
              Arrays.asList(small(random, 4), small(random, 5), id));
      case 2 -> new SqlOp("DELETE FROM p WHERE id = ?", List.of(id));
      case 3 ->
          new SqlOp(
              "INSERT INTO q VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
              Arrays.asList(id, small(random, 4), small(random, 4)));
      case 4 -> new SqlOp("UPDATE q SET w = ? WHERE id = ?", Arrays.asList(small(random, 4), id));
      case 5 -> new SqlOp("DELETE FROM q WHERE id = ?", List.of(id));
      case 6 ->
          new SqlOp(
              "INSERT INTO r VALUES (?, ?)", Arrays.asList(small(random, 4), small(random, 5)));
      case 7 ->
          new SqlOp(
              "DELETE FROM r WHERE ctid = (SELECT ctid FROM r WHERE k IS NOT DISTINCT FROM ?"
                  + " LIMIT 1)",
              Arrays.asList(small(random, 4)));
      default ->
          new SqlOp(
              "UPDATE r SET v = ? WHERE k IS NOT DISTINCT FROM ?",
              Arrays.asList(small(random, 5), small(random, 4)));
    };
  }

  private static void reset() throws SQLException {
    try (Statement st = conn.createStatement()) {
      st.execute("DISCARD TEMP");
      st.execute("DROP TABLE IF EXISTS st");
      st.execute("TRUNCATE p, q, r");
      st.execute(
          "INSERT INTO p SELECT g, CASE WHEN g % 5 = 0 THEN NULL ELSE g % 4 END, CASE WHEN g % 7"
              + " = 0 THEN NULL ELSE g % 5 END, 's' || g % 3 FROM generate_series(1, 8) g");
      st.execute(
          "INSERT INTO q SELECT g, CASE WHEN g = 4 THEN NULL ELSE g % 3 END, g % 4 FROM"
              + " generate_series(1, 6) g");
      st.execute(
          "INSERT INTO r VALUES (0, 1), (0, 1), (1, NULL), (NULL, 2), (2, 2), (3, 0), (1, 4),"
              + " (NULL, NULL)");
    }
  }

  private static void check(String query, List<List<SqlOp>> transactions, boolean noise)
      throws Exception {
    reset();
    TableRef st = new TableRef("public", "st");
    Plan plan =
        StreamTablePlanner.plan(
            conn,
            st,
            query,
            RefreshMode.DIFFERENTIAL,
            dev.trickle.config.ResourceBudget.DEFAULTS,
            Duration.ofSeconds(1),
            true,
            "pgoutput",
            DvmLimits.DEFAULTS,
            false,
            java.util.List.of());
    RefreshSql sql = plan.sql();
    assertThat(sql.strategy()).as(query).isNotEqualTo(Strategy.FULL_ONLY);
    Statistics.collect(sql.strategy());
    try (Statement s = conn.createStatement()) {
      for (String create : sql.createStorage()) {
        s.execute(create);
      }
      for (String fill : sql.fullRefresh()) {
        s.execute(fill);
      }
    }
    assertThat(Oracle.difference(conn, "st", query)).as("after the fill: %s", query).isZero();
    for (int t = 0; t < transactions.size(); t++) {
      try (Statement s = conn.createStatement()) {
        for (RefreshSql.Delta d : sql.deltas()) {
          String old = "old_" + d.source().name();
          s.execute("DROP TABLE IF EXISTS pg_temp." + old);
          s.execute("CREATE TEMP TABLE " + old + " AS SELECT * FROM " + d.source().quoted());
        }
      }
      SqlOp.applyAll(db, List.of(transactions.get(t)), tx -> false);
      conn.setAutoCommit(false);
      String apply = sql.applyDelta();
      try (Statement s = conn.createStatement()) {
        List<String> binds = new ArrayList<>();
        for (RefreshSql.Delta d : sql.deltas()) {
          String src = d.source().quoted();
          String old = "pg_temp.old_" + d.source().name();
          if (!d.bound()) {
            s.execute(d.createTable());
          }
          String changed =
              "(SELECT * FROM "
                  + src
                  + " EXCEPT ALL SELECT * FROM "
                  + old
                  + ") a, (VALUES (1)) w(w) UNION ALL SELECT b.*, w.w FROM (SELECT * FROM "
                  + old
                  + " EXCEPT ALL SELECT * FROM "
                  + src
                  + ") b, (VALUES (-1)) w(w)";
          if (d.bound()) {
            String keys = String.join(", ", d.columns());
            String arrays =
                d.columns().stream()
                    .map(c -> "coalesce(array_agg(" + c + "::text), '{}')::text")
                    .collect(java.util.stream.Collectors.joining(", "));
            try (java.sql.ResultSet rs =
                s.executeQuery(
                    "SELECT "
                        + arrays
                        + " FROM (SELECT DISTINCT "
                        + keys
                        + " FROM (SELECT a.*, w.w FROM "
                        + changed
                        + ") z) y")) {
              rs.next();
              for (int i = 1; i <= d.columns().size(); i++) {
                binds.add(rs.getString(i));
              }
            }
          } else {
            s.execute("INSERT INTO " + d.tableName() + " SELECT a.*, w.w FROM " + changed);
            if (noise) {
              s.execute(
                  "INSERT INTO "
                      + d.tableName()
                      + " SELECT x.*, w.w FROM (SELECT * FROM "
                      + src
                      + " LIMIT 1) x, (VALUES (1), (-1)) w(w)");
            }
          }
        }
        for (int i = binds.size(); i >= 1; i--) {
          apply = apply.replace("$" + i, "'" + binds.get(i - 1).replace("'", "''") + "'");
        }
        s.execute(apply);
        conn.commit();
      } catch (SQLException e) {
        conn.rollback();
        throw new AssertionError(
            "delta failed for " + query + ": " + e.getMessage() + "\n" + sql.applyDelta(), e);
      } finally {
        conn.setAutoCommit(true);
      }
      assertThat(Oracle.difference(conn, "st", query))
          .as("after transaction %d of %s: %s", t + 1, transactions, query)
          .isZero();
    }
  }
}
