package dev.trickle.dvm.optree;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Joins two inputs. The output is the left input's columns followed by the right's.
 *
 * <p>Inner and cross joins are bilinear: Δ(L⋈R) = ΔL⋈R + L⋈ΔR − ΔL⋈ΔR over the new states. Outer
 * joins recompute the join only for the equi-join key values their input deltas touch; an outer
 * join without an equality between its two sides is recomputed whole whenever an input changed.
 *
 * @param kind the join type
 * @param condition the ON condition over {@code l.c..} and {@code r.c..}, or null (cross join)
 * @param leftWidth columns of the left input
 * @param rightWidth columns of the right input
 * @param leftKeys equi-join key expressions over the left input as {@code x.c..}
 * @param rightKeys the matching expressions over the right input as {@code x.c..}
 */
public record JoinOp(
    Kind kind,
    String condition,
    int leftWidth,
    int rightWidth,
    List<String> leftKeys,
    List<String> rightKeys)
    implements DeltaOperator {
  /** Join types. */
  public enum Kind {
    /** INNER JOIN or a comma join with a WHERE condition. */
    INNER,
    /** CROSS JOIN or a comma join. */
    CROSS,
    /** LEFT [OUTER] JOIN. */
    LEFT,
    /** RIGHT [OUTER] JOIN. */
    RIGHT,
    /** FULL [OUTER] JOIN. */
    FULL;

    /** Whether rows of one side survive without a partner (LEFT, RIGHT, FULL). */
    public boolean outer() {
      return this == LEFT || this == RIGHT || this == FULL;
    }
  }

  /** Copies the lists. */
  public JoinOp {
    leftKeys = List.copyOf(leftKeys);
    rightKeys = List.copyOf(rightKeys);
  }

  @Override
  public String state(List<String> children) {
    return from("(" + children.get(0) + ")", "(" + children.get(1) + ")", null);
  }

  private String from(String left, String right, String weight) {
    String keyword =
        switch (kind) {
          case INNER -> "JOIN";
          case CROSS -> condition == null ? "CROSS JOIN" : "JOIN";
          case LEFT -> "LEFT JOIN";
          case RIGHT -> "RIGHT JOIN";
          case FULL -> "FULL JOIN";
        };
    String on = condition != null ? " ON (" + condition + ")" : kind.outer() ? " ON true" : "";
    List<String> outs = new ArrayList<>();
    for (int i = 0; i < leftWidth; i++) {
      outs.add("l.c" + i + " AS c" + i);
    }
    for (int i = 0; i < rightWidth; i++) {
      outs.add("r.c" + i + " AS c" + (leftWidth + i));
    }
    if (weight != null) {
      outs.add(weight + " AS __pgt_w");
    }
    return "SELECT "
        + String.join(", ", outs)
        + " FROM "
        + left
        + " l "
        + keyword
        + " "
        + right
        + " r"
        + on;
  }

  @Override
  public String generateDelta(DeltaContext ctx, List<Rel> children) {
    Rel l = children.get(0);
    Rel r = children.get(1);
    if (kind.outer()) {
      return AffectedKeys.delta(ctx, this, children, List.of(leftKeys, rightKeys));
    }
    return from(l.delta(), "(" + r.state() + ")", "l.__pgt_w")
        + " UNION ALL "
        + from("(" + l.state() + ")", r.delta(), "r.__pgt_w")
        + " UNION ALL "
        + from(l.delta(), r.delta(), "-(l.__pgt_w * r.__pgt_w)");
  }

  @Override
  public boolean supportsImmediateMode() {
    return !kind.outer();
  }

  @Override
  public boolean isMonotone() {
    return !kind.outer();
  }

  @Override
  public String label() {
    return kind.name().toLowerCase(Locale.ROOT)
        + " join"
        + (kind.outer() && leftKeys.isEmpty() ? " (no equality: recomputed whole)" : "");
  }
}
