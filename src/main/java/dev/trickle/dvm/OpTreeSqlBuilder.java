package dev.trickle.dvm;

import dev.trickle.dvm.optree.DeltaContext;
import dev.trickle.dvm.optree.OpTree;
import dev.trickle.dvm.optree.Rel;
import dev.trickle.model.Strategy;
import dev.trickle.model.TableRef;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Generates the SQL of an OPTREE stream table (pure): storage and recompute are MULTISET's (row id
 * from content, duplicates numbered); the delta is one statement whose common table expressions are
 * the deltas of the operator tree's nodes, bottom-up, applied with MULTISET's MERGE.
 */
public final class OpTreeSqlBuilder {
  private OpTreeSqlBuilder() {}

  /**
   * Builds the SQL.
   *
   * @param id stream table id (names the session's temp tables)
   * @param st the stream table
   * @param query the defining query
   * @param columns the query's output columns
   * @param tree the operator tree
   * @param sources the source tables in delta-index order
   * @param maxCtes the most common table expressions the delta statement may have
   * @return the SQL
   * @throws dev.trickle.dvm.optree.TooComplexException when the statement exceeds {@code maxCtes}
   */
  public static RefreshSql build(
      long id,
      TableRef st,
      String query,
      List<Column> columns,
      OpTree tree,
      List<SourceTable> sources,
      int maxCtes) {
    RefreshSql base =
        RefreshSqlBuilder.build(id, st, query, columns, Strategy.FULL_ONLY, null, null);
    List<RefreshSql.Delta> deltas = new ArrayList<>();
    for (int i = 0; i < sources.size(); i++) {
      deltas.add(RefreshSqlBuilder.zsetDelta("__pgt_delta_" + id + "_" + i, sources.get(i)));
    }
    DeltaContext ctx =
        new DeltaContext(deltas.stream().map(RefreshSql.Delta::tableName).toList(), maxCtes);
    Rel root = tree.generate(ctx);
    int n = columns.size();
    String weighted =
        ctx.render(
            "SELECT "
                + RefreshSqlBuilder.joined(n, i -> "r.c" + i + " AS __pgt_c" + (i + 1))
                + (n == 0 ? "" : ", ")
                + "r.__pgt_w FROM "
                + root.delta()
                + " r");
    String colList =
        columns.stream().map(c -> TableRef.quoteIdent(c.name())).collect(Collectors.joining(", "));
    String merge = RefreshSqlBuilder.multisetMerge(st.quoted(), colList, n, weighted);
    return new RefreshSql(Strategy.OPTREE, base.createStorage(), base.fullRefresh(), merge, deltas);
  }
}
