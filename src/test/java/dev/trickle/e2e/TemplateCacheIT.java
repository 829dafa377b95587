package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.LiveStreamTables;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.SqlOp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The template caches stay within their caps while more stream tables than either cap are
 * maintained: at most {@code l1_cache_max_entries} (2) generated SQL templates in memory, at most
 * {@code template_cache_max_entries} (3) in the catalog; misses are served from the catalog or by
 * generating the SQL again, and every stream table still equals its query.
 */
final class TemplateCacheIT {
  static final Map<String, String> STREAM_TABLES = new LinkedHashMap<>();

  static {
    STREAM_TABLES.put("c_scan", "SELECT id, amt FROM tx WHERE amt > 1");
    STREAM_TABLES.put("c_join", "SELECT t.id, a.owner FROM tx t JOIN acc a ON a.id = t.src");
    STREAM_TABLES.put("c_agg", "SELECT src, count(*) AS n, sum(amt) AS s FROM tx GROUP BY src");
    STREAM_TABLES.put(
        "c_left", "SELECT a.id, t.amt FROM acc a LEFT JOIN tx t ON t.src = a.id AND t.amt > 3");
    STREAM_TABLES.put("c_union", "SELECT tag FROM nk UNION SELECT owner FROM acc");
    STREAM_TABLES.put("c_nokey", "SELECT tag, v FROM nk WHERE v > 0");
  }

  private static final String SIZE = "cache_size\\{cache=\"pg_trickle_templates\"\\}";

  private static LiveStreamTables live;

  @BeforeContainer
  static void start() throws Exception {
    PgDatabase db = PgDatabase.create("templates");
    JoinIT.createSchema(db);
    live =
        LiveStreamTables.start(
            db,
            "templates",
            "settings:\n  dvm:\n    l1_cache_max_entries: 2\n    template_cache_max_entries: 3\n",
            STREAM_TABLES,
            "20ms",
            n -> "DIFFERENTIAL");
  }

  @AfterContainer
  static void stop() throws Exception {
    if (live != null) {
      live.close();
    }
  }

  @Property(tries = 15)
  void cachesStayWithinTheirCaps(@ForAll("transactions") List<List<SqlOp>> transactions)
      throws Exception {
    live.applyAndCheck(transactions, tx -> false);
    // Caffeine evicts right after a write, but a concurrent refresh may have just added an entry:
    // the size may exceed the cap for a moment, never for long
    String metrics = live.pipeline().metrics().scrape();
    for (int i = 0; i < 50 && metric(metrics, SIZE) > 2; i++) {
      Thread.sleep(20);
      metrics = live.pipeline().metrics().scrape();
    }
    assertThat(metric(metrics, SIZE)).isLessThanOrEqualTo(2);
    assertThat(metric(metrics, "cache_evictions_total\\{cache=\"pg_trickle_templates\"\\}"))
        .isPositive();
    assertThat(live.db().queryLong("SELECT count(*) FROM pgtrickle.pgt_delta_templates"))
        .isLessThanOrEqualTo(3);
    assertThat(metric(metrics, "pg_trickle_template_catalog_lookups_total\\{result=\"miss\"\\}"))
        .as("templates evicted from the catalog were generated again")
        .isPositive();
  }

  private static double metric(String scrape, String nameAndLabels) {
    Matcher m = Pattern.compile("(?m)^" + nameAndLabels + " (\\S+)$").matcher(scrape);
    assertThat(m.find()).as("%s in %s", nameAndLabels, scrape).isTrue();
    return Double.parseDouble(m.group(1));
  }

  @Provide
  Arbitrary<List<List<SqlOp>>> transactions() {
    return JoinIT.bankTransactions();
  }
}
