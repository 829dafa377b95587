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
    if (configured != RefreshMode.AUTO) {
      return new Decision(Applied.DIFFERENTIAL, "differential_mode");
    }
    // measured costs decide; the change ratio decides where nothing comparable was measured
    boolean overRatio = sourceRows > 0 && (double) deltaRows / sourceRows > maxChangeRatio;
    return switch (costs) {
      case FULL_CHEAPER -> new Decision(Applied.FULL, "full_predicted_cheaper");
      case PROBE_FULL -> new Decision(Applied.FULL, "full_cost_probe");
      case DIFFERENTIAL ->
          new Decision(
              Applied.DIFFERENTIAL,
              overRatio ? "differential_predicted_cheaper" : "change_ratio_below_threshold");
      case PROBE_DIFFERENTIAL ->
          new Decision(
              Applied.DIFFERENTIAL,
              overRatio ? "differential_cost_probe" : "change_ratio_below_threshold");
      case UNMEASURED ->
          overRatio
              ? new Decision(Applied.FULL, "change_ratio_exceeded")
              : new Decision(Applied.DIFFERENTIAL, "change_ratio_below_threshold");
    };
  }
}
