package dev.trickle.refresh;

import dev.trickle.config.RefreshMode;
import dev.trickle.model.Strategy;

/**
 * Chooses how one refresh runs (pure): FULL or DIFFERENTIAL, with the reason recorded in {@code
 * pgt_refresh_history.reason_code}.
 */
public final class ModePolicy {
  private ModePolicy() {}

  /** The refresh mode actually used. */
  public enum Applied {
    /** Recompute the query. */
    FULL,
    /** Apply the delta. */
    DIFFERENTIAL
  }

  /**
   * A decision.
   *
   * @param mode the mode to run
   * @param reasonCode why, as documented in docs/ARCHITECTURE.md
   */
  public record Decision(Applied mode, String reasonCode) {}

  /**
   * Decides a refresh.
   *
   * @param configured the stream table's refresh mode
   * @param strategy its row identity strategy
   * @param sourceTruncated whether a source was truncated in the delta
   * @param deltaRows rows in the delta
   * @param sourceRows estimated rows of the source (-1 unknown)
   * @param maxChangeRatio AUTO's threshold
   * @param costs what past refreshes advise for this delta
   * @return the decision
   */
  public static Decision decide(
      RefreshMode configured,
      Strategy strategy,
      boolean sourceTruncated,
      long deltaRows,
      long sourceRows,
      double maxChangeRatio,
      RefreshCosts.Advice costs) {
    if (configured == RefreshMode.FULL) {
      return new Decision(Applied.FULL, "full_mode");
    }
    if (strategy == Strategy.FULL_ONLY) {
      return new Decision(Applied.FULL, "not_differentiable");
    }
    if (sourceTruncated) {
      return new Decision(Applied.FULL, "source_truncate");
    }
    if (configured == RefreshMode.AUTO
        && sourceRows > 0
        && (double) deltaRows / sourceRows > maxChangeRatio) {
      return new Decision(Applied.FULL, "change_ratio_exceeded");
    }
    if (configured == RefreshMode.AUTO && costs == RefreshCosts.Advice.FULL_CHEAPER) {
      return new Decision(Applied.FULL, "full_predicted_cheaper");
    }
    if (configured == RefreshMode.AUTO && costs == RefreshCosts.Advice.PROBE_FULL) {
      return new Decision(Applied.FULL, "full_cost_probe");
    }
    return new Decision(
        Applied.DIFFERENTIAL,
        configured == RefreshMode.AUTO ? "change_ratio_below_threshold" : "differential_mode");
  }
}
