package dev.trickle.dvm.optree;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the common table expressions of one delta statement and knows the session temp tables
 * that hold each source table's changes. Refuses to grow beyond {@code maxCtes}.
 */
public final class DeltaContext {
  private final List<String> deltaTables;
  private final int maxCtes;
  private final List<String> ctes = new ArrayList<>();

  /**
   * Creates a context.
   *
   * @param deltaTables the delta temp table of each source table, by delta index
   * @param maxCtes the most common table expressions a statement may have
   */
  public DeltaContext(List<String> deltaTables, int maxCtes) {
    this.deltaTables = List.copyOf(deltaTables);
    this.maxCtes = maxCtes;
  }

  /**
   * The delta temp table of a source table.
   *
   * @param index the source table's delta index
   * @return the qualified temp table name
   */
  public String deltaTable(int index) {
    return deltaTables.get(index);
  }

  /**
   * Declares a common table expression.
   *
   * @param sql its query
   * @return its name
   * @throws TooComplexException when the statement would exceed the cap
   */
  public String cte(String sql) {
    if (ctes.size() >= maxCtes) {
      throw new TooComplexException(
          "its delta needs more than "
              + maxCtes
              + " common table expressions (pg_trickle.max_diff_ctes)");
    }
    ctes.add(sql);
    return "__pgt_d" + ctes.size();
  }

  /** How many common table expressions have been declared. */
  public int cteCount() {
    return ctes.size();
  }

  /**
   * The whole statement: every declared common table expression, then the final query.
   *
   * @param select the final query
   * @return the SQL
   */
  public String render(String select) {
    StringBuilder sb = new StringBuilder("WITH ");
    for (int i = 0; i < ctes.size(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append("__pgt_d").append(i + 1).append(" AS (").append(ctes.get(i)).append(')');
    }
    return ctes.isEmpty() ? select : sb.append(' ').append(select).toString();
  }
}
