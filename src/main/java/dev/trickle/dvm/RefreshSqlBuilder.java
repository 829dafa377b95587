package dev.trickle.dvm;

import static dev.trickle.model.TableRef.quoteIdent;

import dev.trickle.model.Strategy;
import dev.trickle.model.TableRef;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Generates a stream table's SQL (pure). Row identity lives in hidden columns: for KEYED, a copy of
 * the source key ({@code __pgt_k1..}, unique); otherwise {@code __pgt_row_id} (md5 of the row's
 * content) and {@code __pgt_dup} numbering the copies of a row 1..n.
 *
 * <p>KEYED delta: the changed source keys are shipped; the MERGE deletes their rows and re-derives
 * them from the source in the refresh snapshot (exact without old row images, and immune to
 * unchanged TOAST placeholders). MULTISET delta: old and new row images are shipped with weights
 * -1/+1 (a Z-set); the query's filter and projection run over them, weights are summed per output
 * row, and copies are deleted from or appended to the top of each row's numbering.
 */
public final class RefreshSqlBuilder {
  private RefreshSqlBuilder() {}

  /**
   * Builds the SQL of a planned stream table, taking the query apart as its strategy needs.
   *
   * @param id stream table id
   * @param st the stream table
   * @param query the defining query
   * @param probe what the server said about the query
   * @param strategy the planned strategy
   * @param limits the delta engine's guards
   * @return the SQL
   * @throws dev.trickle.dvm.optree.TooComplexException when an operator tree's delta statement
   *     exceeds the guards
   */
  public static RefreshSql forQuery(
      long id, TableRef st, String query, ProbeResult probe, Strategy strategy, DvmLimits limits) {
    return switch (strategy) {
      case OPTREE -> {
        var tree = dev.trickle.dvm.optree.OpTreeBuilder.build(probe, limits.maxParseDepth());
        yield OpTreeSqlBuilder.build(
            id, st, query, probe.columns(), tree.tree(), tree.sources(), limits.maxDiffCtes());
      }
      case FULL_ONLY -> build(id, st, query, probe.columns(), strategy, null, null);
      case KEYED, MULTISET ->
          build(
              id,
              st,
              query,
              probe.columns(),
              strategy,
              ShapeParser.analyse(query, probe).shape(),
              probe.sources().get(0));
      case JOIN ->
          JoinSqlBuilder.build(
              id, st, query, probe.columns(), ShapeParser.analyseJoin(query, probe).shape());
      case AGGREGATE ->
          AggregateSqlBuilder.build(
              id,
              st,
              probe.columns(),
              ShapeParser.analyseAggregate(query, probe).shape(),
              probe.sources().get(0));
    };
  }

  /**
   * Builds the SQL.
   *
   * @param id stream table id (names the session's temp table)
   * @param st the stream table
   * @param query the defining query
   * @param columns the query's output columns
   * @param strategy the row identity strategy
   * @param shape the scan shape (null for FULL_ONLY)
   * @param source the source table (null for FULL_ONLY)
   * @return the SQL
   */
  public static RefreshSql build(
      long id,
      TableRef st,
      String query,
      List<Column> columns,
      Strategy strategy,
      ScanShape shape,
      SourceTable source) {
    String target = st.quoted();
    String colList =
        columns.stream().map(c -> quoteIdent(c.name())).collect(Collectors.joining(", "));
    List<String> create = new ArrayList<>();
    String defs =
        columns.stream()
            .map(c -> quoteIdent(c.name()) + " " + c.type())
            .collect(Collectors.joining(", "));
    if (strategy == Strategy.KEYED) {
      return keyed(target, colList, columns, defs, shape, source, create);
    }
    create.addAll(
        storage(
            target,
            defs,
            "__pgt_row_id uuid NOT NULL, __pgt_dup int NOT NULL",
            "__pgt_row_id, __pgt_dup"));
    List<String> full =
        List.of(
            "DELETE FROM " + target,
            "INSERT INTO "
                + target
                + " ("
                + colList
                + (colList.isEmpty() ? "" : ", ")
                + "__pgt_row_id, __pgt_dup) SELECT q.*, row_number() OVER (PARTITION BY"
                + " q.__pgt_rid) FROM (SELECT d.*, md5(d::text)::uuid AS __pgt_rid FROM ("
                + QueryProbe.stripTrailingSemicolons(query)
                + ") d) q");
    if (strategy == Strategy.FULL_ONLY) {
      return new RefreshSql(strategy, create, full, null, List.of());
    }
    return multiset(id, target, colList, columns, shape, source, create, full);
  }

  /** A stream table's storage: the query's columns, then hidden ones under a unique index. */
  private static List<String> storage(
      String target, String defs, String hiddenDefs, String uniqueColumns) {
    return List.of(
        "CREATE TABLE " + target + " (" + defs + (defs.isEmpty() ? "" : ", ") + hiddenDefs + ")",
        "CREATE UNIQUE INDEX ON " + target + " (" + uniqueColumns + ")");
  }

  /**
   * KEYED storage keeps a copy of the source key in hidden columns {@code __pgt_k1..}, unique: a
   * row is found by its key's own equality, without hashing anything.
   */
  private static RefreshSql keyed(
      String target,
      String colList,
      List<Column> columns,
      String defs,
      ScanShape shape,
      SourceTable source,
      List<String> create) {
    int k = source.key().size();
    String hidden = joined(k, i -> "__pgt_k" + (i + 1));
    create.addAll(
        storage(
            target,
            defs,
            joined(k, i -> "__pgt_k" + (i + 1) + " " + source.key().get(i).type() + " NOT NULL"),
            hidden));
    // the changed keys arrive as one text array per key column ($1, $2, ...), each element cast
    // to the key column's type; the planner sees the arrays' lengths (custom plans)
    String keys =
        "(SELECT "
            + joined(
                k,
                i ->
                    "CAST(u.k"
                        + (i + 1)
                        + " AS "
                        + source.key().get(i).type()
                        + ") AS __pgt_r"
                        + (i + 1))
            + " FROM unnest("
            + joined(source.key().size(), i -> "CAST($" + (i + 1) + " AS text[])")
            + ") AS u("
            + joined(source.key().size(), i -> "k" + (i + 1))
            + "))";
    String aliasKeys = joined(k, i -> shape.alias() + "." + quoteIdent(source.key().get(i).name()));
    String items =
        joined(shape.items().size(), i -> shape.items().get(i) + " AS __pgt_c" + (i + 1));
    String from =
        " FROM " + source.table().quoted() + (shape.aliased() ? " AS " + shape.alias() : "");
    String where = shape.where() == null ? "true" : "(" + shape.where() + ")";
    List<String> full =
        List.of(
            "DELETE FROM " + target,
            "INSERT INTO "
                + target
                + " ("
                + colList
                + (colList.isEmpty() ? "" : ", ")
                + hidden
                + ") SELECT "
                + items
                + (items.isEmpty() ? "" : ", ")
                + aliasKeys
                + from
                + " WHERE "
                + where);
    String sCols = joined(columns.size(), i -> "s.__pgt_c" + (i + 1));
    String sets =
        joined(columns.size(), i -> quoteIdent(columns.get(i).name()) + " = s.__pgt_c" + (i + 1));
    String keyMatch =
        IntStream.range(0, k)
            .mapToObj(i -> "n.__pgt_k" + (i + 1) + " = k.__pgt_r" + (i + 1))
            .collect(Collectors.joining(" AND "));
    String targetMatch =
        IntStream.range(0, k)
            .mapToObj(i -> "t.__pgt_k" + (i + 1) + " = s.__pgt_r" + (i + 1))
            .collect(Collectors.joining(" AND "));
    String keyOuts =
        joined(
            k,
            i ->
                shape.alias()
                    + "."
                    + quoteIdent(source.key().get(i).name())
                    + " AS __pgt_k"
                    + (i + 1));
    // each changed key once (the encoder ships distinct keys: a DISTINCT here would hide the
    // number of keys from the planner, which then probes indexes for 50,000 keys); its row as the
    // source has it now (if the filter keeps it), through the key index or, for many keys, a hash
    // join; the stream table's row through its unique index on the key
    String merge =
        "MERGE INTO "
            + target
            + " t USING (SELECT k.*, n.* FROM "
            + keys
            + " k LEFT JOIN (SELECT "
            + items
            + (items.isEmpty() ? "" : ", ")
            + keyOuts
            + ", true AS __pgt_found"
            + from
            + " WHERE "
            + where
            + ") n ON "
            + keyMatch
            + ") s ON "
            + targetMatch
            + " WHEN MATCHED AND s.__pgt_found IS NULL THEN DELETE"
            + (columns.isEmpty()
                ? ""
                : " WHEN MATCHED AND (" + differs(columns) + ") THEN UPDATE SET " + sets)
            + " WHEN NOT MATCHED AND s.__pgt_found THEN INSERT ("
            + colList
            + (colList.isEmpty() ? "" : ", ")
            + hidden
            + ") VALUES ("
            + sCols
            + (sCols.isEmpty() ? "" : ", ")
            + joined(k, i -> "s.__pgt_r" + (i + 1))
            + ")";
    return new RefreshSql(
        Strategy.KEYED,
        create,
        full,
        merge,
        List.of(
            RefreshSql.Delta.boundKeys(
                source.table(),
                source.key().stream().map(Column::name).collect(Collectors.toList()))));
  }

  private static RefreshSql multiset(
      long id,
      String target,
      String colList,
      List<Column> columns,
      ScanShape shape,
      SourceTable source,
      List<String> create,
      List<String> full) {
    String delta = "pg_temp.__pgt_delta_" + id;
    int n = columns.size();
    String items = joined(n, i -> shape.items().get(i) + " AS __pgt_c" + (i + 1));
    String where = shape.where() == null ? "" : " WHERE " + shape.where();
    String weighted =
        "SELECT "
            + items
            + (n == 0 ? "" : ", ")
            + shape.alias()
            + ".__pgt_w FROM "
            + delta
            + " AS "
            + shape.alias()
            + where;
    String merge = multisetMerge(target, colList, n, weighted);
    return zset(Strategy.MULTISET, id, source, create, full, merge);
  }

  /**
   * A RefreshSql whose delta is a Z-set of whole source rows with weights, shipped into the
   * session's {@code __pgt_delta_<id>} temp table.
   */
  static RefreshSql zset(
      Strategy strategy,
      long id,
      SourceTable source,
      List<String> create,
      List<String> full,
      String merge) {
    return new RefreshSql(strategy, create, full, merge, List.of(zsetDelta(id, source)));
  }

  /** The Z-set delta table {@code __pgt_delta_<id>}: every source column and a weight. */
  static RefreshSql.Delta zsetDelta(long id, SourceTable source) {
    return zsetDelta("__pgt_delta_" + id, source);
  }

  /** A Z-set delta table of the given name: every source column and a weight. */
  static RefreshSql.Delta zsetDelta(String name, SourceTable source) {
    String deltaTable =
        "CREATE TEMP TABLE IF NOT EXISTS "
            + name
            + " ("
            + source.columns().stream()
                .map(c -> quoteIdent(c.name()) + " " + c.type())
                .collect(Collectors.joining(", "))
            + ", __pgt_w int NOT NULL) ON COMMIT DELETE ROWS";
    List<String> cols = new ArrayList<>();
    source.columns().forEach(c -> cols.add(c.name()));
    return new RefreshSql.Delta(
        source.table(), deltaTable, "COPY pg_temp." + name + " FROM STDIN", cols);
  }

  /**
   * The MERGE applying a weighted row set to a MULTISET-style stream table.
   *
   * @param target the stream table, quoted
   * @param colList its output columns, quoted and joined
   * @param n number of output columns
   * @param weighted SQL yielding {@code __pgt_c1..n} and a weight, per delta row
   * @return the statement
   */
  static String multisetMerge(String target, String colList, int n, String weighted) {
    String cs = joined(n, i -> "__pgt_c" + (i + 1));
    String grouping = n == 0 ? "" : " GROUP BY " + joined(n, i -> Integer.toString(i + 1));
    return "WITH d AS (SELECT "
        + cs
        + (n == 0 ? "" : ", ")
        + "sum(x.__pgt_w)::int AS __pgt_w FROM ("
        + weighted
        + ") x"
        + grouping
        + "), dd AS (SELECT d.*, md5(ROW("
        + joined(n, i -> "d.__pgt_c" + (i + 1))
        + ")::text)::uuid AS __pgt_rid FROM d WHERE d.__pgt_w <> 0), cur AS (SELECT"
        + " __pgt_row_id, count(*)::int AS n FROM "
        + target
        + " WHERE __pgt_row_id IN (SELECT __pgt_rid FROM dd) GROUP BY 1), ops AS (SELECT"
        + " dd.*, g.g AS __pgt_dup FROM dd LEFT JOIN cur ON cur.__pgt_row_id = dd.__pgt_rid"
        + " CROSS JOIN LATERAL generate_series(CASE WHEN dd.__pgt_w > 0 THEN"
        + " coalesce(cur.n, 0) + 1 ELSE coalesce(cur.n, 0) + dd.__pgt_w + 1 END, CASE WHEN"
        + " dd.__pgt_w > 0 THEN coalesce(cur.n, 0) + dd.__pgt_w ELSE coalesce(cur.n, 0)"
        + " END) AS g(g)) MERGE INTO "
        + target
        + " t USING ops s ON t.__pgt_row_id = s.__pgt_rid AND t.__pgt_dup = s.__pgt_dup"
        + " WHEN MATCHED AND s.__pgt_w < 0 THEN DELETE WHEN NOT MATCHED AND s.__pgt_w > 0"
        + " THEN INSERT ("
        + colList
        + (n == 0 ? "" : ", ")
        + "__pgt_row_id, __pgt_dup) VALUES ("
        + joined(n, i -> "s.__pgt_c" + (i + 1))
        + (n == 0 ? "" : ", ")
        + "s.__pgt_rid, s.__pgt_dup)";
  }

  /**
   * Types whose equality holds exactly when their text forms are equal: a row of such columns is
   * compared by value; any other column by its text, so that a change equality would not see (1.0
   * to 1.00, 'a ' to 'a' in char(n)) still reaches the stream table.
   */
  private static final java.util.Set<String> TEXT_FAITHFUL_TYPES =
      java.util.Set.of(
          "smallint",
          "integer",
          "bigint",
          "boolean",
          "date",
          "uuid",
          "timestamp without time zone",
          "timestamp with time zone");

  /**
   * Whether a stream table row {@code t} differs from the new row {@code s} ({@code s.__pgt_c1..}):
   * by value for text-faithful types, byte-wise for strings, by text otherwise.
   */
  static String differs(List<Column> columns) {
    return IntStream.range(0, columns.size())
        .mapToObj(
            i -> {
              String t = "t." + quoteIdent(columns.get(i).name());
              String s = "s.__pgt_c" + (i + 1);
              String type = columns.get(i).type();
              if (TEXT_FAITHFUL_TYPES.contains(type)) {
                return t + " IS DISTINCT FROM " + s;
              }
              if (type.equals("text") || type.startsWith("character varying")) {
                return t + " COLLATE \"C\" IS DISTINCT FROM " + s + " COLLATE \"C\"";
              }
              return t + "::text IS DISTINCT FROM " + s + "::text";
            })
        .collect(Collectors.joining(" OR "));
  }

  static String joined(int n, IntFunction<String> f) {
    return IntStream.range(0, n).mapToObj(f).collect(Collectors.joining(", "));
  }
}
