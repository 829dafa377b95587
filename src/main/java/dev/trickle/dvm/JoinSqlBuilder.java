package dev.trickle.dvm;

import dev.trickle.model.Strategy;
import dev.trickle.model.TableRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Generates the SQL of a JOIN stream table (pure). Storage and recompute are MULTISET's (row id
 * from content, duplicates numbered). The delta of a join of n tables is the inclusion-exclusion
 * sum over the non-empty subsets S of the tables: join the Z-set deltas of the tables in S with the
 * other tables as they are in the refresh snapshot, weight each row by the product of its delta
 * weights, and sign the term by (-1)^(|S|+1). For two tables this is ΔA⋈B + A⋈ΔB − ΔA⋈ΔB, where A
 * and B are the new states.
 */
public final class JoinSqlBuilder {
  private JoinSqlBuilder() {}

  /**
   * Builds the SQL.
   *
   * @param id stream table id (names the session's temp tables)
   * @param st the stream table
   * @param query the defining query
   * @param columns the query's output columns
   * @param shape the join shape
   * @return the SQL
   */
  public static RefreshSql build(
      long id, TableRef st, String query, List<Column> columns, JoinShape shape) {
    RefreshSql base =
        RefreshSqlBuilder.build(id, st, query, columns, Strategy.FULL_ONLY, null, null);
    Map<TableRef, RefreshSql.Delta> deltas = new LinkedHashMap<>();
    for (JoinShape.Source s : shape.sources()) {
      deltas.computeIfAbsent(
          s.table().table(),
          t -> RefreshSqlBuilder.zsetDelta("__pgt_delta_" + id + "_" + deltas.size(), s.table()));
    }
    int n = shape.sources().size();
    String items =
        RefreshSqlBuilder.joined(
            columns.size(), i -> shape.items().get(i) + " AS __pgt_c" + (i + 1));
    String where = shape.where() == null ? "" : " WHERE " + shape.where();
    List<String> terms = new ArrayList<>();
    for (int mask = 1; mask < (1 << n); mask++) {
      List<String> weights = new ArrayList<>();
      StringBuilder from = new StringBuilder();
      for (int i = 0; i < n; i++) {
        JoinShape.Source s = shape.sources().get(i);
        boolean delta = (mask & (1 << i)) != 0;
        String item;
        if (delta) {
          item = deltas.get(s.table().table()).tableName() + " AS " + s.alias();
          weights.add(s.alias() + ".__pgt_w");
        } else {
          item = s.table().table().quoted() + (s.aliased() ? " AS " + s.alias() : "");
        }
        if (i == 0) {
          from.append(item);
        } else if (shape.on().get(i - 1) == null) {
          from.append(" CROSS JOIN ").append(item);
        } else {
          from.append(" JOIN ").append(item).append(" ON ").append(shape.on().get(i - 1));
        }
      }
      String sign = Integer.bitCount(mask) % 2 == 1 ? "" : "-";
      terms.add(
          "SELECT "
              + items
              + (columns.isEmpty() ? "" : ", ")
              + sign
              + "("
              + String.join(" * ", weights)
              + ") AS __pgt_w FROM "
              + from
              + where);
    }
    String colList =
        columns.stream().map(c -> TableRef.quoteIdent(c.name())).collect(Collectors.joining(", "));
    String merge =
        RefreshSqlBuilder.multisetMerge(
            st.quoted(), colList, columns.size(), String.join(" UNION ALL ", terms));
    return new RefreshSql(
        Strategy.JOIN,
        base.createStorage(),
        base.fullRefresh(),
        merge,
        new ArrayList<>(deltas.values()));
  }
}
