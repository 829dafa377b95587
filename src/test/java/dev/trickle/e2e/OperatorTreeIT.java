package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.LiveStreamTables;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.SqlOp;
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
 * Queries only the operator tree differentiates (outer joins, string and array aggregates, COUNT
 * DISTINCT, FILTER, HAVING, set operations, a grouped subquery joined to a table) run through the
 * whole service, replication stream included, and stay equal to their queries under random
 * transactions, refreshed DIFFERENTIAL.
 */
final class OperatorTreeIT {
  static final Map<String, String> STREAM_TABLES = new LinkedHashMap<>();

  static {
    STREAM_TABLES.put(
        "o_left", "SELECT a.id, a.owner, t.amt FROM acc a LEFT JOIN tx t ON t.src = a.id");
    STREAM_TABLES.put(
        "o_full",
        "SELECT a.owner, n.tag, n.v FROM acc a FULL JOIN nk n ON n.tag = a.owner AND n.v > 1");
    STREAM_TABLES.put(
        "o_strings",
        "SELECT a.owner, string_agg(t.id::text, ',' ORDER BY t.id) AS ids, count(DISTINCT t.amt)"
            + " AS amounts, bool_and(t.amt > 0) AS positive FROM acc a JOIN tx t ON t.src = a.id"
            + " GROUP BY a.owner");
    STREAM_TABLES.put(
        "o_having",
        "SELECT t.src, sum(t.amt) FILTER (WHERE t.amt > 2) AS big, array_agg(t.amt ORDER BY"
            + " t.amt) AS amts FROM tx t GROUP BY t.src HAVING count(*) > 2");
    STREAM_TABLES.put(
        "o_setops",
        "SELECT owner FROM acc EXCEPT SELECT tag FROM nk UNION SELECT tag FROM nk WHERE v = 0");
    STREAM_TABLES.put("o_intersect_all", "SELECT grp FROM acc INTERSECT ALL SELECT v FROM nk");
    STREAM_TABLES.put(
        "o_subquery",
        "SELECT s.src, s.n, a.owner FROM (SELECT src, count(*) AS n FROM tx GROUP BY src) s"
            + " RIGHT JOIN acc a ON a.id = s.src");
  }

  private static LiveStreamTables live;

  @BeforeContainer
  static void start() throws Exception {
    PgDatabase db = PgDatabase.create("optree");
    JoinIT.createSchema(db);
    live = LiveStreamTables.start(db, "optree", "", STREAM_TABLES, "50ms", n -> "DIFFERENTIAL");
    assertThat(live.withStrategy("OPTREE")).isEqualTo(STREAM_TABLES.size());
  }

  @AfterContainer
  static void stop() throws Exception {
    if (live != null) {
      live.close();
    }
  }

  @Property(tries = 30)
  void operatorTreesEqualTheirQueries(@ForAll("transactions") List<List<SqlOp>> transactions)
      throws Exception {
    live.applyAndCheck(transactions, tx -> false);
    assertThat(
            live.db()
                .queryLong(
                    "SELECT count(*) FROM pgtrickle.pgt_refresh_history h JOIN"
                        + " pgtrickle.pgt_stream_tables s USING (pgt_id) WHERE s.strategy = 'OPTREE'"
                        + " AND h.mode = 'FULL' AND h.reason_code <> 'initial_fill'"))
        .as("no OPTREE refresh fell back to FULL")
        .isZero();
  }

  @Provide
  Arbitrary<List<List<SqlOp>>> transactions() {
    return JoinIT.bankTransactions();
  }
}
