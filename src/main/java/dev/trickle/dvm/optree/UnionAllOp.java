package dev.trickle.dvm.optree;

import java.util.List;
import java.util.stream.Collectors;

/** UNION ALL of two or more inputs. Linear: the delta is the union of the input deltas. */
public record UnionAllOp() implements DeltaOperator {
  @Override
  public String state(List<String> children) {
    return children.stream()
        .map(c -> "SELECT x.* FROM (" + c + ") x")
        .collect(Collectors.joining(" UNION ALL "));
  }

  @Override
  public String generateDelta(DeltaContext ctx, List<Rel> children) {
    return children.stream()
        .map(c -> "SELECT x.* FROM " + c.delta() + " x")
        .collect(Collectors.joining(" UNION ALL "));
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
    return "union all";
  }
}
