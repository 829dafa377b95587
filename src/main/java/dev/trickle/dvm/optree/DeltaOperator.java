package dev.trickle.dvm.optree;

import java.util.List;

/**
 * One operator of an {@link OpTree}: its output and the change of its output, both as SQL over its
 * children's. Every relation has the columns {@code c0..c(n-1)}; a delta adds a {@code bigint}
 * weight {@code __pgt_w} (a Z-set: positive weights are rows that appeared, negative ones rows that
 * went).
 */
public interface DeltaOperator {
  /**
   * The operator's output in the refresh snapshot (the new state).
   *
   * @param children the children's new states, as SQL
   * @return SQL of the output rows
   */
  String state(List<String> children);

  /**
   * The operator's delta.
   *
   * @param ctx where common table expressions are declared
   * @param children the children's states and deltas
   * @return SQL of the delta Z-set
   */
  String generateDelta(DeltaContext ctx, List<Rel> children);

  /**
   * Whether the delta can be computed from the input deltas and new states alone, per statement,
   * without recomputing any group (the operator is linear).
   */
  boolean supportsImmediateMode();

  /** Whether inserts into the inputs can only insert into the output. */
  boolean isMonotone();

  /** A short name for plans and previews, e.g. {@code left join}. */
  String label();
}
