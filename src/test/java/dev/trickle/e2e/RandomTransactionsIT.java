package dev.trickle.e2e;

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
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The spine's main property: after any sequence of random multi-table transactions (inserts,
 * updates that change keys or leave TOASTed values untouched, deletes, duplicates in a table
 * without a key, truncates, rolled-back transactions), every stream table equals its defining query
 * run directly.
 */
final class RandomTransactionsIT {
  static final Map<String, String> STREAM_TABLES = new LinkedHashMap<>();

  static {
    STREAM_TABLES.put("st_scan", "SELECT id, owner, balance, note FROM acct");
    STREAM_TABLES.put(
        "st_project",
        "SELECT a.id, upper(a.owner) AS o, coalesce(a.balance, 0) * 2 AS b2, CASE WHEN a.balance"
            + " > 100 THEN 'hi' ELSE 'lo' END AS band, length(a.big) AS big_len, a.balance::int AS"
            + " rounded FROM acct a WHERE a.balance IS NULL OR a.balance > 10");
    STREAM_TABLES.put("st_toast", "SELECT id, big, note FROM acct WHERE id % 2 = 0");
    STREAM_TABLES.put("st_events", "SELECT kind, amount FROM events WHERE amount > 3");
    STREAM_TABLES.put("st_events_all", "SELECT * FROM events");
  }

  static final Map<String, String> MODES = Map.of("st_events_all", "AUTO", "st_full_agg", "FULL");

  private static LiveStreamTables live;

  @BeforeContainer
  static void start() throws Exception {
    PgDatabase db = PgDatabase.create("random_tx");
    db.execute(
        "CREATE TABLE acct (id int PRIMARY KEY, owner text, balance numeric(12,2), note text, big"
            + " text)",
        "CREATE TABLE events (kind text, amount int, tag text)",
        "INSERT INTO acct SELECT g, 'owner-' || g % 7, g * 3.5, CASE WHEN g % 3 = 0 THEN NULL"
            + " ELSE 'n' || g END, CASE WHEN g % 4 = 0 THEN (SELECT string_agg(md5(g::text || x),"
            + " '') FROM generate_series(1, 200) x) END FROM generate_series(1, 40) g",
        "INSERT INTO events SELECT (ARRAY['a','b','c'])[1 + g % 3], g % 9, 't' FROM"
            + " generate_series(1, 60) g");
    STREAM_TABLES.put(
        "st_full_agg",
        "SELECT owner, count(*) AS n, sum(balance) AS total FROM acct GROUP BY owner");
    live =
        LiveStreamTables.start(
            db,
            "random_tx",
            "",
            STREAM_TABLES,
            "100ms",
            n -> MODES.getOrDefault(n, "DIFFERENTIAL"));
  }

  @AfterContainer
  static void stop() throws Exception {
    if (live != null) {
      live.close();
    }
  }

  @Property(tries = 40)
  void everyStreamTableEqualsItsQuery(@ForAll("transactions") List<List<SqlOp>> transactions)
      throws Exception {
    // every fifth transaction of four statements is rolled back on purpose: never decoded
    live.applyAndCheck(transactions, tx -> tx.size() % 5 == 4);
  }

  @Provide
  Arbitrary<List<List<SqlOp>>> transactions() {
    return op().list().ofMinSize(1).ofMaxSize(6).list().ofMinSize(1).ofMaxSize(8);
  }

  private static Arbitrary<SqlOp> op() {
    Arbitrary<Integer> id = Arbitraries.integers().between(1, 60);
    Arbitrary<String> owner =
        Arbitraries.of("alice", "bob", "zoë ✓", "o'brien", "tab\there", "back\\slash", "日本")
            .injectNull(0.1);
    Arbitrary<Double> balance = Arbitraries.doubles().between(-50, 500).ofScale(2).injectNull(0.1);
    Arbitrary<String> big =
        Arbitraries.strings()
            .withCharRange('a', 'z')
            .ofMinLength(2500)
            .ofMaxLength(6000)
            .injectNull(0.3);
    Arbitrary<String> kind = Arbitraries.of("a", "b", "c", "ünï");
    Arbitrary<Integer> amount = Arbitraries.integers().between(0, 9).injectNull(0.1);
    return Arbitraries.frequencyOf(
        List.of(
            weighted(
                4,
                Combinators.combine(id, owner, balance, big)
                    .as(
                        (i, o, b, g) ->
                            new SqlOp(
                                "INSERT INTO acct (id, owner, balance, note, big) VALUES (?, ?, ?::numeric, 'new', ?)"
                                    + " ON CONFLICT (id) DO UPDATE SET owner = EXCLUDED.owner",
                                params(i, o, b == null ? null : b.toString(), g)))),
            weighted(
                4,
                Combinators.combine(id, balance)
                    .as(
                        (i, b) ->
                            new SqlOp(
                                "UPDATE acct SET balance = ?::numeric, note = coalesce(note, '') || '+' WHERE id = ?",
                                params(b == null ? null : b.toString(), i)))),
            weighted(
                1,
                Combinators.combine(id, big)
                    .as((i, g) -> new SqlOp("UPDATE acct SET big = ? WHERE id = ?", params(g, i)))),
            weighted(
                1,
                id.map(
                    i ->
                        new SqlOp(
                            "UPDATE acct SET id = id + 100 WHERE id = ? AND NOT EXISTS (SELECT 1 FROM acct WHERE id"
                                + " = ? + 100)",
                            params(i, i)))),
            weighted(2, id.map(i -> new SqlOp("DELETE FROM acct WHERE id = ?", params(i)))),
            weighted(
                4,
                Combinators.combine(kind, amount)
                    .as(
                        (k, a) ->
                            new SqlOp(
                                "INSERT INTO events VALUES (?, ?, 'x'), (?, ?, 'x')",
                                params(k, a, k, a)))),
            weighted(
                2,
                kind.map(
                    k ->
                        new SqlOp(
                            "DELETE FROM events WHERE ctid IN (SELECT ctid FROM events WHERE kind = ? LIMIT 2)",
                            params(k)))),
            weighted(
                2,
                kind.map(
                    k ->
                        new SqlOp(
                            "UPDATE events SET amount = amount + 1 WHERE kind = ?", params(k)))),
            weighted(
                1,
                Arbitraries.just(
                    new SqlOp("UPDATE events SET tag = 'y' WHERE amount = 5", List.of()))),
            weighted(
                1,
                Arbitraries.just(
                    new SqlOp(
                        "TRUNCATE events; INSERT INTO events SELECT 'a', g % 9, 't' FROM generate_series(1, 20) g",
                        List.of())))));
  }

  private static net.jqwik.api.Tuple.Tuple2<Integer, Arbitrary<SqlOp>> weighted(
      int weight, Arbitrary<SqlOp> a) {
    return net.jqwik.api.Tuple.of(weight, a);
  }

  private static List<Object> params(Object... values) {
    return java.util.Arrays.asList(values);
  }
}
