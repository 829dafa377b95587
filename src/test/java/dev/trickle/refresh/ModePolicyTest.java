package dev.trickle.refresh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.config.RefreshMode;
import dev.trickle.model.Strategy;
import dev.trickle.refresh.ModePolicy.Applied;
import dev.trickle.refresh.ModePolicy.Decision;
import org.junit.jupiter.api.Test;

final class ModePolicyTest {
  private static final RefreshCosts.Advice NONE = RefreshCosts.Advice.UNMEASURED;
  private static final RefreshCosts.Advice PROBE = RefreshCosts.Advice.PROBE_FULL;

  private static final double RATIO = 0.15;

  @Test
  void decide_fullMode_fullEvenWhenDifferentiable() {
    assertThat(ModePolicy.decide(RefreshMode.FULL, Strategy.KEYED, false, 1, 1000, RATIO, NONE))
        .isEqualTo(new Decision(Applied.FULL, "full_mode"));
    assertThat(ModePolicy.decide(RefreshMode.FULL, Strategy.FULL_ONLY, true, 1, 1000, RATIO, NONE))
        .isEqualTo(new Decision(Applied.FULL, "full_mode"));
  }

  @Test
  void decide_fullOnlyStrategy_notDifferentiable() {
    assertThat(ModePolicy.decide(RefreshMode.AUTO, Strategy.FULL_ONLY, false, 1, 1000, RATIO, NONE))
        .isEqualTo(new Decision(Applied.FULL, "not_differentiable"));
    assertThat(
            ModePolicy.decide(
                RefreshMode.DIFFERENTIAL, Strategy.FULL_ONLY, true, 1, 1000, RATIO, NONE))
        .isEqualTo(new Decision(Applied.FULL, "not_differentiable"));
  }

  @Test
  void decide_sourceTruncated_full() {
    assertThat(ModePolicy.decide(RefreshMode.AUTO, Strategy.KEYED, true, 0, 1000, RATIO, NONE))
        .isEqualTo(new Decision(Applied.FULL, "source_truncate"));
    assertThat(
            ModePolicy.decide(
                RefreshMode.DIFFERENTIAL, Strategy.MULTISET, true, 0, 1000, RATIO, NONE))
        .isEqualTo(new Decision(Applied.FULL, "source_truncate"));
  }

  @Test
  void decide_autoAboveRatio_changeRatioExceeded() {
    assertThat(ModePolicy.decide(RefreshMode.AUTO, Strategy.KEYED, false, 151, 1000, RATIO, NONE))
        .isEqualTo(new Decision(Applied.FULL, "change_ratio_exceeded"));
    assertThat(ModePolicy.decide(RefreshMode.AUTO, Strategy.MULTISET, false, 5000, 10, RATIO, NONE))
        .isEqualTo(new Decision(Applied.FULL, "change_ratio_exceeded"));
  }

  @Test
  void decide_autoExactlyAtRatio_differential() {
    assertThat(ModePolicy.decide(RefreshMode.AUTO, Strategy.KEYED, false, 150, 1000, RATIO, NONE))
        .isEqualTo(new Decision(Applied.DIFFERENTIAL, "change_ratio_below_threshold"));
  }

  @Test
  void decide_autoBelowRatio_differential() {
    assertThat(ModePolicy.decide(RefreshMode.AUTO, Strategy.MULTISET, false, 1, 1000, RATIO, NONE))
        .isEqualTo(new Decision(Applied.DIFFERENTIAL, "change_ratio_below_threshold"));
  }

  @Test
  void decide_autoUnknownOrEmptySource_differential() {
    assertThat(
            ModePolicy.decide(RefreshMode.AUTO, Strategy.KEYED, false, 1_000_000, -1, RATIO, NONE))
        .isEqualTo(new Decision(Applied.DIFFERENTIAL, "change_ratio_below_threshold"));
    assertThat(
            ModePolicy.decide(RefreshMode.AUTO, Strategy.KEYED, false, 1_000_000, 0, RATIO, NONE))
        .isEqualTo(new Decision(Applied.DIFFERENTIAL, "change_ratio_below_threshold"));
  }

  @Test
  void decide_differentialModeAboveRatio_staysDifferential() {
    assertThat(
            ModePolicy.decide(
                RefreshMode.DIFFERENTIAL, Strategy.KEYED, false, 999, 1000, RATIO, NONE))
        .isEqualTo(new Decision(Applied.DIFFERENTIAL, "differential_mode"));
  }

  @Test
  void decide_differentialModeSmallDelta_differential() {
    assertThat(
            ModePolicy.decide(
                RefreshMode.DIFFERENTIAL, Strategy.MULTISET, false, 0, 1000, RATIO, NONE))
        .isEqualTo(new Decision(Applied.DIFFERENTIAL, "differential_mode"));
  }

  @Test
  void decide_zeroRatio_anyChangeIsFull() {
    assertThat(ModePolicy.decide(RefreshMode.AUTO, Strategy.KEYED, false, 1, 1000, 0.0, NONE))
        .isEqualTo(new Decision(Applied.FULL, "change_ratio_exceeded"));
    assertThat(ModePolicy.decide(RefreshMode.AUTO, Strategy.KEYED, false, 0, 1000, 0.0, NONE))
        .isEqualTo(new Decision(Applied.DIFFERENTIAL, "change_ratio_below_threshold"));
  }

  @Test
  void auto_measuredCosts_overruleTheChangeRatio() {
    RefreshCosts.Advice measured = RefreshCosts.Advice.DIFFERENTIAL;
    RefreshCosts.Advice probe = RefreshCosts.Advice.PROBE_DIFFERENTIAL;
    assertThat(
            ModePolicy.decide(RefreshMode.AUTO, Strategy.KEYED, false, 500, 1000, RATIO, measured))
        .isEqualTo(new Decision(Applied.DIFFERENTIAL, "differential_predicted_cheaper"));
    assertThat(ModePolicy.decide(RefreshMode.AUTO, Strategy.KEYED, false, 500, 1000, RATIO, probe))
        .isEqualTo(new Decision(Applied.DIFFERENTIAL, "differential_cost_probe"));
    assertThat(
            ModePolicy.decide(RefreshMode.AUTO, Strategy.KEYED, false, 10, 1000, RATIO, measured))
        .isEqualTo(new Decision(Applied.DIFFERENTIAL, "change_ratio_below_threshold"));
    assertThat(ModePolicy.decide(RefreshMode.AUTO, Strategy.KEYED, false, 10, 1000, RATIO, probe))
        .isEqualTo(new Decision(Applied.DIFFERENTIAL, "change_ratio_below_threshold"));
  }

  @Test
  void auto_fullPredictedCheaper_runsFull_butDifferentialModeDoesNot() {
    assertThat(
            ModePolicy.decide(
                RefreshMode.AUTO,
                Strategy.AGGREGATE,
                false,
                10,
                1000,
                RATIO,
                RefreshCosts.Advice.FULL_CHEAPER))
        .isEqualTo(new ModePolicy.Decision(ModePolicy.Applied.FULL, "full_predicted_cheaper"));
    assertThat(
            ModePolicy.decide(RefreshMode.AUTO, Strategy.AGGREGATE, false, 10, 1000, RATIO, PROBE))
        .isEqualTo(new ModePolicy.Decision(ModePolicy.Applied.FULL, "full_cost_probe"));
    assertThat(
            ModePolicy.decide(
                RefreshMode.DIFFERENTIAL,
                Strategy.AGGREGATE,
                false,
                10,
                1000,
                RATIO,
                RefreshCosts.Advice.FULL_CHEAPER))
        .isEqualTo(new ModePolicy.Decision(ModePolicy.Applied.DIFFERENTIAL, "differential_mode"));
  }
}
