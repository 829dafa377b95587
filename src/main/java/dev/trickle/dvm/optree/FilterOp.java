package dev.trickle.dvm.optree;

import java.util.List;

/**
 * Keeps the rows satisfying a condition (WHERE). Linear: the delta is the filtered input delta.
 *
 * @param predicate the condition over the input's columns {@code x.c0..}
 */
public record FilterOp(String predicate) implements DeltaOperator {
  @Override
  public String state(List<String> children) {
    return "SELECT x.* FROM (" + children.get(0) + ") x WHERE (" + predicate + ")";
  }

  @Override
  public String generateDelta(DeltaContext ctx, List<Rel> children) {
    return "SELECT x.* FROM " + children.get(0).delta() + " x WHERE (" + predicate + ")";
  }

  @Override
  public boolean supportsImmediateMode() {
    return true;
  }

  @Override
  public boolean isMonotone() {
    return true;
  }

  @Override
  public String label() {
    return "filter";
  }
}
