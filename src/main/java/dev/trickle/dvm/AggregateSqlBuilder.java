package dev.trickle.dvm;

import static dev.trickle.model.TableRef.quoteIdent;

import dev.trickle.dvm.AggregateShape.Kind;
import dev.trickle.dvm.AggregateShape.Output;
import dev.trickle.model.Strategy;
import dev.trickle.model.TableRef;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * Generates the SQL of an AGGREGATE stream table (pure). Hidden columns: {@code __pgt_row_id} (md5
 * of the group key), {@code __pgt_count} (rows in the group), and per aggregate {@code j} {@code
 * __pgt_n<j>} (non-null inputs) and, for SUM and AVG, {@code __pgt_s<j>} (their exact numeric sum).
 * A delta is a Z-set of old (-1) and new (+1) source rows; the MERGE adds its per-group weighted
 * counts and sums to the state, recomputes the visible aggregates from it, and deletes a group
 * whose count reaches zero (a global aggregate keeps its one row).
 */
public final class AggregateSqlBuilder {
  private AggregateSqlBuilder() {}

  /**
   * Builds the SQL.
   *
   * @param id stream table id (names the session's temp table)
   * @param st the stream table
   * @param columns the query's output columns
   * @param shape the aggregate shape
   * @param source the source table
   * @return the SQL
   */
  public static RefreshSql build(
      long id, TableRef st, List<Column> columns, AggregateShape shape, SourceTable source) {
    String target = st.quoted();
    List<Output> outs = shape.outputs();
    boolean global = shape.groupBy().isEmpty();
    List<String> outCols = new ArrayList<>();
    List<String> stateCols = new ArrayList<>();
    List<String> stateDefs = new ArrayList<>();
    for (int j = 0; j < outs.size(); j++) {
      outCols.add(quoteIdent(columns.get(j).name()));
      Kind k = outs.get(j).kind();
      if (k == Kind.COUNT || k == Kind.SUM || k == Kind.AVG) {
        stateCols.add("__pgt_n" + j);
        stateDefs.add("__pgt_n" + j + " bigint NOT NULL");
      }
      if (k == Kind.SUM || k == Kind.AVG) {
        stateCols.add("__pgt_s" + j);
        stateDefs.add("__pgt_s" + j + " numeric NOT NULL");
      }
    }
    String defs =
        columns.stream()
            .map(c -> quoteIdent(c.name()) + " " + c.type())
            .collect(Collectors.joining(", "));
    List<String> create =
        List.of(
            "CREATE TABLE "
                + target
                + " ("
                + defs
                + ", __pgt_row_id uuid NOT NULL, __pgt_count bigint NOT NULL"
                + prefixed(stateDefs)
                + (shape.hasExtremum() ? ", __pgt_rescan boolean NOT NULL DEFAULT false" : "")
                + ")",
            "CREATE UNIQUE INDEX ON " + target + " (__pgt_row_id)");
    String from =
        shape.isJoin()
            ? " FROM " + joinFrom(shape, -1, List.of())
            : " FROM " + source.table().quoted() + (shape.aliased() ? " AS " + shape.alias() : "");
    String where = shape.where() == null ? "" : " WHERE " + shape.where();
    String groupBy = global ? "" : " GROUP BY " + String.join(", ", shape.groupBy());
    String rowId = "md5(ROW(" + String.join(", ", shape.groupBy()) + ")::text)::uuid";

    List<String> selects = new ArrayList<>();
    List<String> stateSelects = new ArrayList<>();
    for (Output o : outs) {
      selects.add(
          switch (o.kind()) {
            case GROUP -> shape.groupBy().get(o.index());
            case COUNT_STAR -> "count(*)";
            case COUNT -> "count(" + o.argument() + ")";
            case SUM -> "sum(" + o.argument() + ")";
            case AVG -> "avg(" + o.argument() + ")";
            case MIN -> "min(" + o.argument() + ")";
            case MAX -> "max(" + o.argument() + ")";
          });
      if (o.kind() == Kind.COUNT || o.kind() == Kind.SUM || o.kind() == Kind.AVG) {
        stateSelects.add("count(" + o.argument() + ")");
      }
      if (o.kind() == Kind.SUM || o.kind() == Kind.AVG) {
        // summing in the argument's own type and converting once is exact (sum of integers is
        // bigint or numeric) and much faster than converting every row to numeric
        stateSelects.add("coalesce(sum(" + o.argument() + "), 0)::numeric");
      }
    }
    String allCols =
        String.join(", ", outCols) + ", __pgt_row_id, __pgt_count" + prefixed(stateCols);
    List<String> full =
        List.of(
            "DELETE FROM " + target,
            "INSERT INTO "
                + target
                + " ("
                + allCols
                + ") SELECT "
                + String.join(", ", selects)
                + ", "
                + rowId
                + ", count(*)"
                + prefixed(stateSelects)
                + from
                + where
                + groupBy);

    String delta = "pg_temp.__pgt_delta_" + id;
    List<RefreshSql.Delta> deltas = new ArrayList<>();
    IntFunction<String> gx;
    IntFunction<String> argx;
    String w;
    String dSource;
    if (shape.isJoin()) {
      List<String> tables = new ArrayList<>();
      for (JoinShape.Source src : shape.sources()) {
        String name = "__pgt_delta_" + id + "_" + deltas.size();
        if (deltas.stream().noneMatch(x -> x.source().equals(src.table().table()))) {
          deltas.add(RefreshSqlBuilder.zsetDelta(name, src.table()));
        }
      }
      for (JoinShape.Source src : shape.sources()) {
        for (RefreshSql.Delta x : deltas) {
          if (x.source().equals(src.table().table())) {
            tables.add(x.tableName());
          }
        }
      }
      gx = k -> "__pgt_u.__pgt_g" + k;
      argx = k -> "__pgt_u.__pgt_a" + k;
      w = "__pgt_u.__pgt_w";
      dSource = " FROM (" + terms(shape, tables, where) + ") AS __pgt_u";
    } else {
      deltas.add(RefreshSqlBuilder.zsetDelta(id, source));
      gx = k -> shape.groupBy().get(k);
      argx = k -> outs.get(k).argument();
      w = shape.alias() + ".__pgt_w";
      dSource = " FROM " + delta + " AS " + shape.alias() + where;
    }
    List<String> d = new ArrayList<>();
    for (int k = 0; k < shape.groupBy().size(); k++) {
      d.add(gx.apply(k) + " AS __pgt_g" + k);
    }
    d.add("coalesce(sum(" + w + "), 0)::bigint AS __pgt_dc");
    List<String> sets = new ArrayList<>();
    List<String> values = new ArrayList<>();
    List<String> rescans = new ArrayList<>();
    List<String> insertRescans = new ArrayList<>();
    sets.add("__pgt_count = t.__pgt_count + s.__pgt_dc");
    for (int j = 0; j < outs.size(); j++) {
      Output o = outs.get(j);
      String col = outCols.get(j);
      String n = "(t.__pgt_n" + j + " + s.__pgt_dn" + j + ")";
      String sum = "(t.__pgt_s" + j + " + s.__pgt_ds" + j + ")";
      if (o.kind() == Kind.COUNT || o.kind() == Kind.SUM || o.kind() == Kind.AVG) {
        d.add(
            "coalesce(sum(CASE WHEN ("
                + argx.apply(j)
                + ") IS NOT NULL THEN "
                + w
                + " ELSE 0 END), 0)::bigint AS __pgt_dn"
                + j);
        sets.add("__pgt_n" + j + " = " + n);
      }
      if (o.kind() == Kind.SUM || o.kind() == Kind.AVG) {
        d.add("coalesce(sum(" + w + " * (" + argx.apply(j) + ")::numeric), 0) AS __pgt_ds" + j);
        sets.add("__pgt_s" + j + " = " + sum);
      }
      if (o.kind() == Kind.MIN || o.kind() == Kind.MAX) {
        String fn = o.kind() == Kind.MIN ? "min" : "max";
        String cmp = o.kind() == Kind.MIN ? "<=" : ">=";
        String pick = o.kind() == Kind.MIN ? "least" : "greatest";
        d.add(fn + "(" + argx.apply(j) + ") FILTER (WHERE " + w + " > 0) AS __pgt_in" + j);
        d.add(fn + "(" + argx.apply(j) + ") FILTER (WHERE " + w + " < 0) AS __pgt_out" + j);
        // retracted at or beyond the extremum, or retracted while the group had none (a value
        // inserted and retracted inside the delta must not stay)
        String gone =
            "(s.__pgt_out"
                + j
                + " IS NOT NULL AND (t."
                + col
                + " IS NULL OR s.__pgt_out"
                + j
                + " "
                + cmp
                + " t."
                + col
                + "))";
        rescans.add(gone);
        // a value inserted and retracted within the delta must not become a new group's extremum
        insertRescans.add("s.__pgt_out" + j + " IS NOT NULL");
        sets.add(
            col
                + " = CASE WHEN "
                + gone
                + " THEN t."
                + col
                + " ELSE "
                + pick
                + "(t."
                + col
                + ", s.__pgt_in"
                + j
                + ") END");
        values.add("s.__pgt_in" + j);
        continue;
      }
      switch (o.kind()) {
        case GROUP -> values.add("s.__pgt_g" + o.index());
        case COUNT_STAR -> {
          sets.add(col + " = t.__pgt_count + s.__pgt_dc");
          values.add("s.__pgt_dc");
        }
        case COUNT -> {
          sets.add(col + " = " + n);
          values.add("s.__pgt_dn" + j);
        }
        case SUM -> {
          sets.add(col + " = CASE WHEN " + n + " > 0 THEN " + sum + " END");
          values.add("CASE WHEN s.__pgt_dn" + j + " > 0 THEN s.__pgt_ds" + j + " END");
        }
        case MIN, MAX -> throw new IllegalStateException("handled above");
        case AVG -> {
          sets.add(col + " = CASE WHEN " + n + " > 0 THEN " + sum + " / " + n + " END");
          values.add(
              "CASE WHEN s.__pgt_dn"
                  + j
                  + " > 0 THEN s.__pgt_ds"
                  + j
                  + " / s.__pgt_dn"
                  + j
                  + " END");
        }
      }
    }
    List<String> stateValues = new ArrayList<>();
    for (String c : stateCols) {
      stateValues.add(
          c.startsWith("__pgt_n") ? "s.__pgt_dn" + c.substring(7) : "s.__pgt_ds" + c.substring(7));
    }
    String groupKeys =
        java.util.stream.IntStream.range(0, shape.groupBy().size())
            .mapToObj(k -> "d.__pgt_g" + k)
            .collect(Collectors.joining(", "));
    String merge =
        "WITH d AS (SELECT "
            + String.join(", ", d)
            + dSource
            + (global
                ? ""
                : " GROUP BY "
                    + java.util.stream.IntStream.rangeClosed(1, shape.groupBy().size())
                        .mapToObj(Integer::toString)
                        .collect(Collectors.joining(", ")))
            + "), s AS (SELECT d.*, md5(ROW("
            + groupKeys
            + ")::text)::uuid AS __pgt_rid FROM d) MERGE INTO "
            + target
            + " t USING s ON t.__pgt_row_id = s.__pgt_rid"
            + (global ? "" : " WHEN MATCHED AND t.__pgt_count + s.__pgt_dc = 0 THEN DELETE")
            + " WHEN MATCHED THEN UPDATE SET "
            + String.join(", ", sets)
            + (rescans.isEmpty() ? "" : ", __pgt_rescan = " + String.join(" OR ", rescans))
            + " WHEN NOT MATCHED AND s.__pgt_dc > 0 THEN INSERT ("
            + allCols
            + (insertRescans.isEmpty() ? "" : ", __pgt_rescan")
            + ") VALUES ("
            + String.join(", ", values)
            + ", s.__pgt_rid, s.__pgt_dc"
            + prefixed(stateValues)
            + (insertRescans.isEmpty() ? "" : ", " + String.join(" OR ", insertRescans))
            + ")";
    if (shape.hasExtremum()) {
      merge +=
          "; "
              + rescan(target, outs, outCols, from, shape.where(), shape.groupBy(), groupBy, rowId);
    }
    return new RefreshSql(Strategy.AGGREGATE, create, full, merge, deltas);
  }

  /**
   * Recomputes MIN/MAX of the groups whose extremum was retracted (flagged by the MERGE) from the
   * source in the refresh snapshot. When every GROUP BY expression is an output column, the source
   * rows of the flagged groups are found by their key values, which an index on the group columns
   * serves (groups with a NULL key are found by row id, and only when one is flagged); otherwise by
   * row id, which reads the source.
   */
  private static String rescan(
      String target,
      List<Output> outs,
      List<String> outCols,
      String from,
      String where,
      List<String> groupExprs,
      String groupBy,
      String rowId) {
    List<String> sel = new ArrayList<>();
    List<String> set = new ArrayList<>();
    for (int j = 0; j < outs.size(); j++) {
      Output o = outs.get(j);
      if (o.kind() == Kind.MIN || o.kind() == Kind.MAX) {
        sel.add((o.kind() == Kind.MIN ? "min(" : "max(") + o.argument() + ") AS __pgt_x" + j);
        set.add(outCols.get(j) + " = r.__pgt_x" + j);
      }
    }
    String flagged = rowId + " IN (SELECT __pgt_row_id FROM " + target + " WHERE __pgt_rescan)";
    String select =
        "SELECT "
            + rowId
            + " AS __pgt_rid, "
            + String.join(", ", sel)
            + from
            + " WHERE "
            + (where == null ? "" : "(" + where + ") AND ");
    List<String> keyCols = new ArrayList<>();
    for (int g = 0; g < groupExprs.size(); g++) {
      for (int j = 0; j < outs.size(); j++) {
        if (outs.get(j).kind() == Kind.GROUP && outs.get(j).index() == g) {
          keyCols.add(outCols.get(j));
          break;
        }
      }
    }
    String groups;
    if (groupExprs.isEmpty() || keyCols.size() != groupExprs.size()) {
      groups = select + flagged + groupBy;
    } else {
      List<String> nullExprs = new ArrayList<>();
      groupExprs.forEach(e -> nullExprs.add("(" + e + ") IS NULL"));
      List<String> nullCols = new ArrayList<>();
      keyCols.forEach(c -> nullCols.add(c + " IS NULL"));
      groups =
          select
              + "("
              + String.join(", ", groupExprs)
              + ") IN (SELECT "
              + String.join(", ", keyCols)
              + " FROM "
              + target
              + " WHERE __pgt_rescan)"
              + groupBy
              + " UNION ALL "
              + select
              + "EXISTS (SELECT 1 FROM "
              + target
              + " WHERE __pgt_rescan AND ("
              + String.join(" OR ", nullCols)
              + ")) AND ("
              + String.join(" OR ", nullExprs)
              + ") AND "
              + flagged
              + groupBy;
    }
    return "UPDATE "
        + target
        + " t SET "
        + String.join(", ", set)
        + ", __pgt_rescan = false FROM ("
        + groups
        + ") r WHERE t.__pgt_row_id = r.__pgt_rid AND t.__pgt_rescan";
  }

  /**
   * The FROM clause of a join, reading the delta table {@code tables[i]} for every position in
   * {@code mask} and the source table elsewhere ({@code mask = -1}: no delta at all).
   */
  private static String joinFrom(AggregateShape shape, int mask, List<String> tables) {
    StringBuilder from = new StringBuilder();
    for (int i = 0; i < shape.sources().size(); i++) {
      JoinShape.Source s = shape.sources().get(i);
      boolean delta = mask > 0 && (mask & (1 << i)) != 0;
      String item =
          delta
              ? tables.get(i) + " AS " + s.alias()
              : s.table().table().quoted() + (s.aliased() ? " AS " + s.alias() : "");
      if (i == 0) {
        from.append(item);
      } else if (shape.on().get(i - 1) == null) {
        from.append(" CROSS JOIN ").append(item);
      } else {
        from.append(" JOIN ").append(item).append(" ON ").append(shape.on().get(i - 1));
      }
    }
    return from.toString();
  }

  /** The inclusion-exclusion terms of a join's delta, each yielding keys, arguments and weight. */
  private static String terms(AggregateShape shape, List<String> tables, String where) {
    int n = shape.sources().size();
    List<String> cols = new ArrayList<>();
    for (int k = 0; k < shape.groupBy().size(); k++) {
      cols.add(shape.groupBy().get(k) + " AS __pgt_g" + k);
    }
    for (int j = 0; j < shape.outputs().size(); j++) {
      String arg = shape.outputs().get(j).argument();
      cols.add((arg == null ? "NULL::int" : arg) + " AS __pgt_a" + j);
    }
    List<String> out = new ArrayList<>();
    for (int mask = 1; mask < (1 << n); mask++) {
      List<String> weights = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        if ((mask & (1 << i)) != 0) {
          weights.add(shape.sources().get(i).alias() + ".__pgt_w");
        }
      }
      out.add(
          "SELECT "
              + String.join(", ", cols)
              + ", "
              + (Integer.bitCount(mask) % 2 == 1 ? "" : "-")
              + "("
              + String.join(" * ", weights)
              + ") AS __pgt_w FROM "
              + joinFrom(shape, mask, tables)
              + where);
    }
    return String.join(" UNION ALL ", out);
  }

  private static String prefixed(List<String> parts) {
    return parts.isEmpty() ? "" : ", " + String.join(", ", parts);
  }
}
