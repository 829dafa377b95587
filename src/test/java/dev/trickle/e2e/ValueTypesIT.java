package dev.trickle.e2e;

import dev.trickle.testing.LiveStreamTables;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.SqlOp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Every column type a change source must carry exactly, at its edges: infinities and NaN, BC dates,
 * negative zero, the extreme integers, unicode and control characters, empty arrays and strings,
 * NULLs, TOASTed values left unchanged by an update. Row images travel through the change source
 * into the delta (a table without a key, so whole rows are shipped, and one with a key), and each
 * stream table must equal its query after any sequence of transactions. Run on both sources (the
 * build's Debezium parity run sets {@code trickle.test.cdc.source}).
 */
final class ValueTypesIT {
  /** Column name to SQL literals it may take (each list also gets NULL). */
  static final Map<String, List<String>> VALUES = new LinkedHashMap<>();

  static {
    VALUES.put("b", List.of("true", "false"));
    VALUES.put("i2", List.of("-32768", "32767", "0"));
    VALUES.put("i8", List.of("-9223372036854775808", "9223372036854775807", "7"));
    VALUES.put(
        "n",
        List.of(
            "'NaN'",
            "'Infinity'",
            "'-Infinity'",
            "0.000000000000000000001",
            "-123456789012345678901234567890.5",
            "1.50",
            "0"));
    VALUES.put(
        "f4", List.of("'NaN'", "'Infinity'", "'-Infinity'", "'-0'", "1.1", "3.4e38", "1e-45"));
    VALUES.put(
        "f8",
        List.of(
            "'NaN'", "'-Infinity'", "'-0'", "0.1", "1e300", "4.9e-324", "1.7976931348623157e308"));
    VALUES.put(
        "t",
        List.of(
            "''",
            "'žluťoučký kůň 🐎'",
            "E'tab\\there\\nnew line\\r'",
            "'quote''s \"dq\" \\ back'",
            "'日本語テキスト'",
            "'e\u0301 combining'"));
    VALUES.put("vc", List.of("'ab'", "'ü'", "''"));
    VALUES.put("c", List.of("'ab'", "'abcd'", "''"));
    VALUES.put(
        "d",
        List.of(
            "'0044-03-15 BC'",
            "'2024-02-29'",
            "'infinity'",
            "'-infinity'",
            "'0001-01-01'",
            "'4713-01-01 BC'"));
    VALUES.put(
        "ts",
        List.of(
            "'2024-02-29 13:45:06.123456'",
            "'0044-03-15 12:00:00 BC'",
            "'infinity'",
            "'-infinity'",
            "'1999-12-31 23:59:59.999999'",
            "'294276-12-31 23:59:59'"));
    VALUES.put(
        "tz",
        List.of(
            "'2024-02-29 13:45:06.5+02'",
            "'infinity'",
            "'-infinity'",
            "'0001-01-01 00:00:00+00 BC'",
            "'2000-01-01 00:00:00.000001+05:30'"));
    VALUES.put("tm", List.of("'24:00:00'", "'00:00:00'", "'13:45:06.123456'"));
    VALUES.put(
        "iv",
        List.of(
            "'1 year 2 mons -3 days 04:05:06.7'",
            "'-178000000 years'",
            "'0'",
            "'1 day -00:00:00.000001'",
            "'P1Y2M3DT4H5M6.789S'"));
    VALUES.put(
        "u",
        List.of(
            "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'00000000-0000-0000-0000-000000000000'"));
    VALUES.put("j", List.of("'{\"a\": [1, 2]}'", "'  {\"spaces\" :  1 }  '", "'null'", "'\"é\"'"));
    VALUES.put("jb", List.of("'{\"b\": null, \"a\": 1.50}'", "'[]'", "'\"\\u00e9\"'"));
    VALUES.put("by", List.of("'\\x00ff27'", "'\\x'", "'\\x5c30'"));
    VALUES.put("ia", List.of("'{1,NULL,3}'", "'{}'", "'{{1,2},{3,4}}'"));
    VALUES.put("ta", List.of("'{\"a b\",\"c,d\",NULL,\"\\\\\"\"}'", "'{}'", "'{é,🐎}'"));
    VALUES.put("m", List.of("'sad'", "'happy'"));
    VALUES.put("ip", List.of("'10.1.2.3/16'", "'::1'", "'192.168.0.1'"));
    VALUES.put("r", List.of("'[1,5)'", "'empty'", "'(,)'"));
  }

  static final String BIG =
      "(SELECT string_agg(md5(random()::text), '') FROM generate_series(1, 250))";

  static final String COLUMNS = String.join(", ", VALUES.keySet());

  static final Map<String, String> STREAM_TABLES = new LinkedHashMap<>();

  /** The select list: json has no equality operator, so it is compared as its exact text. */
  static final String SELECTED = COLUMNS.replace(" j,", " j::text AS j,");

  static {
    STREAM_TABLES.put("st_typed_rows", "SELECT id, " + SELECTED + ", big FROM typed");
    STREAM_TABLES.put("st_typed_keyed", "SELECT id, " + SELECTED + ", big FROM typed_k");
  }

  private static LiveStreamTables live;

  @BeforeContainer
  static void start() throws Exception {
    PgDatabase db = PgDatabase.create("value_types");
    String columns =
        "id int, b bool, i2 int2, i8 int8, n numeric, f4 real, f8 float8, t text, vc varchar(10),"
            + " c char(4), d date, ts timestamp, tz timestamptz, tm time, iv interval, u uuid, j"
            + " json, jb jsonb, by bytea, ia int[], ta text[], m mood, ip inet, r int4range, big"
            + " text";
    db.execute(
        "CREATE TYPE mood AS ENUM ('sad', 'happy')",
        "CREATE TABLE typed (" + columns + ")",
        "CREATE TABLE typed_k (" + columns + ", PRIMARY KEY (id))");
    live =
        LiveStreamTables.start(db, "value_types", "", STREAM_TABLES, "100ms", n -> "DIFFERENTIAL");
  }

  @AfterContainer
  static void stop() throws Exception {
    if (live != null) {
      live.close();
    }
  }

  @Property(tries = 15)
  void everyValueComesThroughExactly(@ForAll("transactions") List<List<SqlOp>> transactions)
      throws Exception {
    live.applyAndCheck(transactions, tx -> false);
  }

  @Provide
  Arbitrary<List<List<SqlOp>>> transactions() {
    return op().list().ofMinSize(1).ofMaxSize(5).list().ofMinSize(1).ofMaxSize(6);
  }

  private static Arbitrary<SqlOp> op() {
    Arbitrary<Integer> id = Arbitraries.integers().between(1, 12);
    Arbitrary<String> table = Arbitraries.of("typed", "typed_k");
    Arbitrary<String> column = Arbitraries.of(new ArrayList<>(VALUES.keySet()));
    return Arbitraries.frequencyOf(
        List.of(
            weighted(4, insert(id, table)),
            weighted(
                4,
                net.jqwik.api.Combinators.combine(table, column, id)
                    .flatAs(
                        (t, c, i) ->
                            literal(c)
                                .map(
                                    v ->
                                        new SqlOp(
                                            "UPDATE "
                                                + t
                                                + " SET "
                                                + c
                                                + " = "
                                                + v
                                                + " WHERE id = "
                                                + i,
                                            List.of())))),
            weighted(
                1,
                net.jqwik.api.Combinators.combine(table, id)
                    .as(
                        (t, i) ->
                            new SqlOp(
                                "UPDATE " + t + " SET big = " + BIG + " WHERE id = " + i,
                                List.of()))),
            weighted(
                2,
                net.jqwik.api.Combinators.combine(table, id)
                    .as((t, i) -> new SqlOp("DELETE FROM " + t + " WHERE id = " + i, List.of())))));
  }

  private static Arbitrary<SqlOp> insert(Arbitrary<Integer> id, Arbitrary<String> table) {
    List<Arbitrary<String>> literals = new ArrayList<>();
    for (String c : VALUES.keySet()) {
      literals.add(literal(c));
    }
    Arbitrary<List<String>> row = net.jqwik.api.Combinators.combine(literals).as(l -> l);
    Arbitrary<Boolean> toasted = Arbitraries.of(true, false);
    return net.jqwik.api.Combinators.combine(table, id, row, toasted)
        .as(
            (t, i, values, withBig) ->
                new SqlOp(
                    "INSERT INTO "
                        + t
                        + " (id, "
                        + COLUMNS
                        + ", big) VALUES ("
                        + i
                        + ", "
                        + String.join(", ", values)
                        + ", "
                        + (withBig ? BIG : "NULL")
                        + ")"
                        + (t.equals("typed_k") ? " ON CONFLICT (id) DO NOTHING" : ""),
                    List.of()));
  }

  private static Arbitrary<String> literal(String column) {
    List<String> choices = new ArrayList<>(VALUES.get(column));
    choices.add("NULL");
    return Arbitraries.of(choices);
  }

  private static net.jqwik.api.Tuple.Tuple2<Integer, Arbitrary<SqlOp>> weighted(
      int weight, Arbitrary<SqlOp> op) {
    return net.jqwik.api.Tuple.of(weight, op);
  }
}
