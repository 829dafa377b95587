package dev.trickle.dvm.optree;

import java.util.List;

/**
 * SELECT DISTINCT: recomputes the rows whose values appear in the input delta.
 *
 * @param width number of columns
 */
public record DistinctOp(int width) implements DeltaOperator {
  @Override
  public String state(List<String> children) {
    return "SELECT DISTINCT x.* FROM (" + children.get(0) + ") x";
  }

  @Override
  public String generateDelta(DeltaContext ctx, List<Rel> children) {
    return AffectedKeys.delta(ctx, this, children, List.of(AffectedKeys.allColumns(width)));
  }

  @Override
  public boolean supportsImmediateMode() {
    return false;
  }

  @Override
  public boolean isMonotone() {
    return true;
  }

  @Override
  public String label() {
    return "distinct";
  }
}
