package dev.trickle.dvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.model.Strategy;
import dev.trickle.model.TableRef;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;

final class RefreshSqlBuilderTest {
  // KEYED: a hostile source table name and a reserved-word column.
  static final TableRef WEIRD = new TableRef("public", "we\"ird");
  static final SourceTable WEIRD_SOURCE =
      new SourceTable(
          WEIRD,
          List.of(
              new Column("id", "integer"),
              new Column("select", "text"),
              new Column("amount", "numeric(12,2)")),
          List.of(new Column("id", "integer")),
          'd',
          1000,
          true);
  static final String KEYED_QUERY =
      "SELECT w.id, w.\"select\", w.amount * 2 AS doubled FROM public.\"we\"\"ird\" w"
          + " WHERE w.amount > 10";
  static final List<Column> KEYED_COLUMNS =
      List.of(
          new Column("id", "integer"),
          new Column("select", "text"),
          new Column("doubled", "numeric"));
  static final ScanShape KEYED_SHAPE =
      new ScanShape(WEIRD, "w", List.of("w.id", "w.\"select\"", "w.amount * 2"), "w.amount > 10");
  static final TableRef KEYED_ST = new TableRef("app", "big orders");

  // MULTISET: no key, every column shipped with a weight.
  static final TableRef EVENTS = new TableRef("public", "events");
  static final SourceTable EVENTS_SOURCE =
      new SourceTable(
          EVENTS,
          List.of(
              new Column("kind", "text"),
              new Column("payload", "jsonb"),
              new Column("select", "integer")),
          List.of(),
          'f',
          -1,
          true);
  static final String MULTISET_QUERY = "SELECT kind, \"select\" FROM events WHERE kind <> 'noise'";
  static final List<Column> MULTISET_COLUMNS =
      List.of(new Column("kind", "text"), new Column("select", "integer"));
  static final ScanShape MULTISET_SHAPE =
      new ScanShape(EVENTS, "events", List.of("kind", "\"select\""), "kind <> 'noise'");
  static final TableRef MULTISET_ST = new TableRef("public", "event_kinds");

  // FULL_ONLY: an aggregate.
  static final String FULL_QUERY =
      "SELECT \"select\", count(*) AS n FROM public.\"we\"\"ird\" GROUP BY 1 ;  ";
  static final List<Column> FULL_COLUMNS =
      List.of(new Column("select", "text"), new Column("n", "bigint"));
  static final TableRef FULL_ST = new TableRef("public", "we\"ird_totals");

  static RefreshSql keyed() {
    return RefreshSqlBuilder.build(
        42, KEYED_ST, KEYED_QUERY, KEYED_COLUMNS, Strategy.KEYED, KEYED_SHAPE, WEIRD_SOURCE);
  }

  static RefreshSql multiset() {
    return RefreshSqlBuilder.build(
        7,
        MULTISET_ST,
        MULTISET_QUERY,
        MULTISET_COLUMNS,
        Strategy.MULTISET,
        MULTISET_SHAPE,
        EVENTS_SOURCE);
  }

  static RefreshSql fullOnly() {
    return RefreshSqlBuilder.build(
        9, FULL_ST, FULL_QUERY, FULL_COLUMNS, Strategy.FULL_ONLY, null, null);
  }

  /** The statements as a readable SQL script, one section per part. */
  static String render(RefreshSql sql) {
    StringBuilder b = new StringBuilder();
    b.append("-- strategy: ").append(sql.strategy()).append('\n');
    b.append("-- delta columns: ").append(sql.deltaColumns()).append('\n');
    section(b, "create storage", sql.createStorage());
    section(b, "full refresh", sql.fullRefresh());
    section(b, "delta table", sql.deltaTable() == null ? List.of() : List.of(sql.deltaTable()));
    section(b, "copy in", sql.copyIn() == null ? List.of() : List.of(sql.copyIn()));
    section(b, "apply delta", sql.applyDelta() == null ? List.of() : List.of(sql.applyDelta()));
    return b.toString();
  }

  private static void section(StringBuilder b, String name, List<String> statements) {
    b.append("\n-- ").append(name).append('\n');
    for (String s : statements) {
      b.append(s).append(";\n");
    }
  }

  private static String golden(String name) throws IOException {
    try (InputStream in =
        RefreshSqlBuilderTest.class.getResourceAsStream("/golden/" + name + ".sql")) {
      return new String(Objects.requireNonNull(in, name).readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void build_keyed_matchesGolden() throws IOException {
    assertThat(render(keyed())).isEqualTo(golden("keyed"));
  }

  @Test
  void build_multiset_matchesGolden() throws IOException {
    assertThat(render(multiset())).isEqualTo(golden("multiset"));
  }

  @Test
  void build_fullOnly_matchesGolden() throws IOException {
    assertThat(render(fullOnly())).isEqualTo(golden("full_only"));
  }

  @Test
  void build_keyed_storageKeepsACopyOfTheKey_uniquelyIndexed() {
    RefreshSql sql = keyed();

    assertThat(sql.strategy()).isEqualTo(Strategy.KEYED);
    assertThat(sql.createStorage()).hasSize(2);
    assertThat(sql.createStorage().get(0))
        .startsWith("CREATE TABLE \"app\".\"big orders\" (")
        .contains("\"id\" integer, \"select\" text, \"doubled\" numeric")
        .endsWith("__pgt_k1 integer NOT NULL)")
        .doesNotContain("__pgt_row_id")
        .doesNotContain("__pgt_dup");
    assertThat(sql.hiddenColumns()).containsExactly("__pgt_k1");
    assertThat(sql.createStorage().get(1))
        .isEqualTo("CREATE UNIQUE INDEX ON \"app\".\"big orders\" (__pgt_k1)");
    assertThat(sql.fullRefresh().get(0)).isEqualTo("DELETE FROM \"app\".\"big orders\"");
    assertThat(sql.fullRefresh().get(1))
        .contains("(\"id\", \"select\", \"doubled\", __pgt_k1) SELECT")
        .contains("w.amount * 2 AS __pgt_c3, w.\"id\" FROM \"public\".\"we\"\"ird\" AS w WHERE")
        .doesNotContain("md5");
  }

  @Test
  void build_keyed_changedKeysAreBoundAsOneTextArrayPerKeyColumn() {
    RefreshSql sql = keyed();

    assertThat(sql.deltaColumns()).containsExactly("id");
    assertThat(sql.deltas().get(0).bound()).isTrue();
    assertThat(sql.deltaTable()).isNull();
    assertThat(sql.copyIn()).isNull();
    assertThat(sql.applyDelta())
        .contains(
            "USING (SELECT k.*, n.* FROM (SELECT CAST(u.k1 AS integer) AS __pgt_r1 FROM"
                + " unnest(CAST($1 AS text[])) AS u(k1)) k LEFT JOIN")
        .doesNotContain("$2");
  }

  @Test
  void build_keyed_mergeRederivesChangedKeys() {
    String merge = keyed().applyDelta();

    assertThat(merge)
        .startsWith("MERGE INTO \"app\".\"big orders\" t USING ")
        .contains("w.\"id\" AS __pgt_k1, true AS __pgt_found")
        .contains("n ON n.__pgt_k1 = k.__pgt_r1)")
        .contains("ON t.__pgt_k1 = s.__pgt_r1")
        .doesNotContain("md5")
        .contains("WHEN MATCHED AND s.__pgt_found IS NULL THEN DELETE")
        .contains(
            "WHEN MATCHED AND (t.\"id\" IS DISTINCT FROM s.__pgt_c1 OR t.\"select\" COLLATE \"C\""
                + " IS DISTINCT FROM s.__pgt_c2 COLLATE \"C\" OR t.\"doubled\"::text IS DISTINCT FROM"
                + " s.__pgt_c3::text) THEN UPDATE SET \"id\" ="
                + " s.__pgt_c1, \"select\" = s.__pgt_c2, \"doubled\" = s.__pgt_c3")
        .endsWith(
            "WHEN NOT MATCHED AND s.__pgt_found THEN INSERT (\"id\", \"select\","
                + " \"doubled\", __pgt_k1) VALUES (s.__pgt_c1, s.__pgt_c2, s.__pgt_c3,"
                + " s.__pgt_r1)");
  }

  @Test
  void build_keyedCompositeKeyNoWhere_copiesAllKeyColumnsInOrder() {
    SourceTable src =
        new SourceTable(
            WEIRD,
            WEIRD_SOURCE.columns(),
            List.of(new Column("select", "text"), new Column("id", "integer")),
            'd',
            -1,
            true);
    ScanShape shape = new ScanShape(WEIRD, "we\"ird", List.of("amount"), null);

    RefreshSql sql =
        RefreshSqlBuilder.build(
            5,
            new TableRef("s", "t"),
            "SELECT amount FROM \"we\"\"ird\"",
            List.of(new Column("amount", "numeric(12,2)")),
            Strategy.KEYED,
            shape,
            src);

    assertThat(sql.deltaColumns()).containsExactly("select", "id");
    assertThat(sql.createStorage().get(0))
        .endsWith("__pgt_k1 text NOT NULL, __pgt_k2 integer NOT NULL)");
    assertThat(sql.hiddenColumns()).containsExactly("__pgt_k1", "__pgt_k2");
    assertThat(sql.createStorage().get(1)).endsWith("(__pgt_k1, __pgt_k2)");
    assertThat(sql.fullRefresh().get(1))
        .contains("we\"ird.\"select\", we\"ird.\"id\" FROM")
        .endsWith(" WHERE true");
    assertThat(sql.applyDelta())
        .contains(
            "(SELECT CAST(u.k1 AS text) AS __pgt_r1, CAST(u.k2 AS integer) AS __pgt_r2 FROM"
                + " unnest(CAST($1 AS text[]), CAST($2 AS text[])) AS u(k1, k2)) k")
        .contains("n ON n.__pgt_k1 = k.__pgt_r1 AND n.__pgt_k2 = k.__pgt_r2")
        .contains("ON t.__pgt_k1 = s.__pgt_r1 AND t.__pgt_k2 = s.__pgt_r2");
  }

  @Test
  void differs_comparesByValueOnlyWhereEqualValuesPrintTheSame() {
    assertThat(
            RefreshSqlBuilder.differs(
                List.of(
                    new Column("n", "bigint"),
                    new Column("s", "character varying(20)"),
                    new Column("amount", "numeric(12,2)"),
                    new Column("code", "character(3)"),
                    new Column("doc", "jsonb"))))
        .isEqualTo(
            "t.\"n\" IS DISTINCT FROM s.__pgt_c1 OR t.\"s\" COLLATE \"C\" IS DISTINCT FROM"
                + " s.__pgt_c2 COLLATE \"C\" OR t.\"amount\"::text IS DISTINCT FROM s.__pgt_c3::text"
                + " OR t.\"code\"::text IS DISTINCT FROM s.__pgt_c4::text OR t.\"doc\"::text IS"
                + " DISTINCT FROM s.__pgt_c5::text");
  }

  @Test
  void build_multiset_storageNumbersDuplicates() {
    RefreshSql sql = multiset();

    assertThat(sql.strategy()).isEqualTo(Strategy.MULTISET);
    assertThat(sql.createStorage().get(0))
        .isEqualTo(
            "CREATE TABLE \"public\".\"event_kinds\" (\"kind\" text, \"select\" integer,"
                + " __pgt_row_id uuid NOT NULL, __pgt_dup int NOT NULL)");
    assertThat(sql.createStorage().get(1))
        .isEqualTo("CREATE UNIQUE INDEX ON \"public\".\"event_kinds\" (__pgt_row_id, __pgt_dup)");
    assertThat(sql.fullRefresh().get(1))
        .contains("md5(d::text)::uuid AS __pgt_rid")
        .contains("row_number() OVER (PARTITION BY q.__pgt_rid)")
        .contains("FROM (" + MULTISET_QUERY + ") d");
  }

  @Test
  void build_multiset_deltaTableHasEverySourceColumnAndWeight() {
    RefreshSql sql = multiset();

    assertThat(sql.deltaColumns()).containsExactly("kind", "payload", "select");
    assertThat(sql.deltaTable())
        .isEqualTo(
            "CREATE TEMP TABLE IF NOT EXISTS __pgt_delta_7 (\"kind\" text, \"payload\" jsonb,"
                + " \"select\" integer, __pgt_w int NOT NULL) ON COMMIT DELETE ROWS");
    assertThat(sql.copyIn()).isEqualTo("COPY pg_temp.__pgt_delta_7 FROM STDIN");
  }

  @Test
  void build_multiset_mergeSumsWeightsAndAppliesThem() {
    String merge = multiset().applyDelta();

    assertThat(merge)
        .startsWith("WITH d AS (SELECT __pgt_c1, __pgt_c2, sum(x.__pgt_w)::int AS __pgt_w")
        .contains(
            "FROM (SELECT kind AS __pgt_c1, \"select\" AS __pgt_c2, events.__pgt_w FROM"
                + " pg_temp.__pgt_delta_7 AS events WHERE kind <> 'noise') x GROUP BY 1, 2")
        .contains("md5(ROW(d.__pgt_c1, d.__pgt_c2)::text)::uuid AS __pgt_rid")
        .contains("WHERE d.__pgt_w <> 0")
        .contains(
            "MERGE INTO \"public\".\"event_kinds\" t USING ops s ON t.__pgt_row_id = s.__pgt_rid"
                + " AND t.__pgt_dup = s.__pgt_dup")
        .contains("WHEN MATCHED AND s.__pgt_w < 0 THEN DELETE")
        .endsWith(
            "WHEN NOT MATCHED AND s.__pgt_w > 0 THEN INSERT (\"kind\", \"select\","
                + " __pgt_row_id, __pgt_dup) VALUES (s.__pgt_c1, s.__pgt_c2, s.__pgt_rid,"
                + " s.__pgt_dup)");
  }

  @Test
  void build_fullOnly_noDeltaStatements() {
    RefreshSql sql = fullOnly();

    assertThat(sql.strategy()).isEqualTo(Strategy.FULL_ONLY);
    assertThat(sql.deltaTable()).isNull();
    assertThat(sql.copyIn()).isNull();
    assertThat(sql.applyDelta()).isNull();
    assertThat(sql.deltaColumns()).isEmpty();
    assertThat(sql.createStorage().get(0))
        .startsWith("CREATE TABLE \"public\".\"we\"\"ird_totals\" (\"select\" text, \"n\" bigint,")
        .endsWith("__pgt_row_id uuid NOT NULL, __pgt_dup int NOT NULL)");
    assertThat(sql.fullRefresh())
        .containsExactly(
            "DELETE FROM \"public\".\"we\"\"ird_totals\"",
            "INSERT INTO \"public\".\"we\"\"ird_totals\" (\"select\", \"n\", __pgt_row_id,"
                + " __pgt_dup) SELECT q.*, row_number() OVER (PARTITION BY q.__pgt_rid) FROM"
                + " (SELECT d.*, md5(d::text)::uuid AS __pgt_rid FROM (SELECT \"select\","
                + " count(*) AS n FROM public.\"we\"\"ird\" GROUP BY 1) d) q");
  }

  @Test
  void build_differentIds_differentTempTables() {
    RefreshSql other =
        RefreshSqlBuilder.build(
            8,
            MULTISET_ST,
            MULTISET_QUERY,
            MULTISET_COLUMNS,
            Strategy.MULTISET,
            MULTISET_SHAPE,
            EVENTS_SOURCE);

    assertThat(other.copyIn()).isEqualTo("COPY pg_temp.__pgt_delta_8 FROM STDIN");
    assertThat(other.applyDelta()).contains("pg_temp.__pgt_delta_8").doesNotContain("_7");
  }
}
