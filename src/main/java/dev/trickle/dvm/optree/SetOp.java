package dev.trickle.dvm.optree;

import java.util.List;
import java.util.Locale;

/**
 * UNION, INTERSECT or EXCEPT (with or without ALL; UNION ALL is {@link UnionAllOp}) of two inputs:
 * recomputes the rows whose values appear in either input delta.
 *
 * @param kind the operation
 * @param all whether duplicates are kept (INTERSECT ALL, EXCEPT ALL)
 * @param width number of columns
 */
public record SetOp(Kind kind, boolean all, int width) implements DeltaOperator {
  /** The set operations. */
  public enum Kind {
    /** UNION (distinct). */
    UNION,
    /** INTERSECT [ALL]. */
    INTERSECT,
    /** EXCEPT [ALL]. */
    EXCEPT
  }

  @Override
  public String state(List<String> children) {
    return "SELECT x.* FROM ("
        + children.get(0)
        + ") x "
        + kind.name()
        + (all ? " ALL" : "")
        + " SELECT x.* FROM ("
        + children.get(1)
        + ") x";
  }

  @Override
  public String generateDelta(DeltaContext ctx, List<Rel> children) {
    List<String> keys = AffectedKeys.allColumns(width);
    return AffectedKeys.delta(ctx, this, children, List.of(keys, keys));
  }

  @Override
  public boolean supportsImmediateMode() {
    return false;
  }

  @Override
  public boolean isMonotone() {
    return kind != Kind.EXCEPT;
  }

  @Override
  public String label() {
    return kind.name().toLowerCase(Locale.ROOT) + (all ? " all" : "");
  }
}
