package dev.trickle.dvm.optree;

import java.util.List;

/**
 * Computes the select list. Linear: each delta row is projected and keeps its weight.
 *
 * @param exprs the output expressions over the input's columns {@code x.c0..}
 */
public record ProjectOp(List<String> exprs) implements DeltaOperator {
  /** Copies the list. */
  public ProjectOp {
    exprs = List.copyOf(exprs);
  }

  @Override
  public String state(List<String> children) {
    return "SELECT " + Sql.as(exprs) + " FROM (" + children.get(0) + ") x";
  }

  @Override
  public String generateDelta(DeltaContext ctx, List<Rel> children) {
    return "SELECT "
        + Sql.list(Sql.as(exprs), "x.__pgt_w")
        + " FROM "
        + children.get(0).delta()
        + " x";
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
    return "project";
  }
}
