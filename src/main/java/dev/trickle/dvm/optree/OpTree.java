package dev.trickle.dvm.optree;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A node of a query's operator tree: an operator, its inputs and its output column names.
 *
 * @param op the operator
 * @param children its inputs
 * @param names output column names (used to resolve references from an enclosing query)
 */
public record OpTree(DeltaOperator op, List<OpTree> children, List<String> names) {
  /** Copies the lists. */
  public OpTree {
    children = List.copyOf(children);
    names = List.copyOf(names);
  }

  /** Number of output columns. */
  public int width() {
    return names.size();
  }

  /** Levels of operators, a leaf being 1. */
  public int depth() {
    return 1 + children.stream().mapToInt(OpTree::depth).max().orElse(0);
  }

  /** Whether every operator differentiates without recomputing groups. */
  public boolean linear() {
    return op.supportsImmediateMode() && children.stream().allMatch(OpTree::linear);
  }

  /** Whether every operator is monotone. */
  public boolean monotone() {
    return op.isMonotone() && children.stream().allMatch(OpTree::monotone);
  }

  /**
   * What a user should know about the cost of maintaining this tree: operators that recompute all
   * of their input whenever it changes.
   *
   * @return one sentence per such operator, phrased to follow "the query"
   */
  public List<String> costWarnings() {
    List<String> out = new ArrayList<>();
    if (op instanceof JoinOp j && j.kind().outer() && j.leftKeys().isEmpty()) {
      out.add(
          "has a "
              + j.kind()
              + " JOIN without an equality between its two sides: each refresh recomputes that"
              + " whole join");
    }
    if (op instanceof AggregateOp a && a.groupKeys().isEmpty()) {
      out.add(
          "has a global aggregate the engine cannot update algebraically: each refresh"
              + " recomputes it over its whole input");
    }
    children.forEach(c -> out.addAll(c.costWarnings()));
    return out;
  }

  /** The tree in one line, e.g. {@code aggregate(left join(scan public.a, scan public.b))}. */
  public String describe() {
    return children.isEmpty()
        ? op.label()
        : op.label()
            + "("
            + children.stream().map(OpTree::describe).collect(Collectors.joining(", "))
            + ")";
  }

  /**
   * Generates the state and delta of this subtree, declaring the delta of each operator as a common
   * table expression of {@code ctx}.
   *
   * @param ctx the statement being built
   * @return this node's state and delta
   */
  public Rel generate(DeltaContext ctx) {
    List<Rel> kids = new ArrayList<>();
    List<String> states = new ArrayList<>();
    for (OpTree child : children) {
      Rel r = child.generate(ctx);
      kids.add(r);
      states.add(r.state());
    }
    String delta = ctx.cte(op.generateDelta(ctx, kids));
    return new Rel(op.state(states), delta, width());
  }
}
