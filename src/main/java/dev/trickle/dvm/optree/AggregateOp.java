package dev.trickle.dvm.optree;

import java.util.List;

/**
 * GROUP BY (or a global aggregate) with any aggregate functions, FILTER clauses and HAVING. The
 * delta recomputes only the groups whose keys appear in the input delta, before and after, and
 * emits the old rows with weight -1 and the new ones with +1. A global aggregate is recomputed
 * whenever its input changed.
 *
 * @param groupKeys the GROUP BY expressions over {@code x.c..} (empty for a global aggregate)
 * @param outputs the select list over {@code x.c..}
 * @param having the HAVING condition over {@code x.c..}, or null
 */
public record AggregateOp(List<String> groupKeys, List<String> outputs, String having)
    implements DeltaOperator {
  /** Copies the lists. */
  public AggregateOp {
    groupKeys = List.copyOf(groupKeys);
    outputs = List.copyOf(outputs);
  }

  @Override
  public String state(List<String> children) {
    return "SELECT "
        + Sql.as(outputs)
        + " FROM ("
        + children.get(0)
        + ") x"
        + (groupKeys.isEmpty() ? "" : " GROUP BY " + String.join(", ", groupKeys))
        + (having == null ? "" : " HAVING (" + having + ")");
  }

  @Override
  public String generateDelta(DeltaContext ctx, List<Rel> children) {
    return AffectedKeys.delta(ctx, this, children, List.of(groupKeys));
  }

  @Override
  public boolean supportsImmediateMode() {
    return false;
  }

  @Override
  public boolean isMonotone() {
    return false;
  }

  @Override
  public String label() {
    return groupKeys.isEmpty() ? "global aggregate" : "aggregate";
  }
}
