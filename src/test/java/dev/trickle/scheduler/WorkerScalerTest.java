package dev.trickle.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

final class WorkerScalerTest {
  private static final long UP = 100;
  private static final long DOWN = 1_000;

  @Test
  void startsAtTheMinimumClampedToTheMaximum() {
    assertThat(new WorkerScaler(2, 4, UP, DOWN).target()).isEqualTo(2);
    assertThat(new WorkerScaler(8, 4, UP, DOWN).target()).isEqualTo(4);
    assertThatThrownBy(() -> new WorkerScaler(0, 4, UP, DOWN))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void growsByOneForEachScaleUpPeriodOfWaiting() {
    WorkerScaler s = new WorkerScaler(1, 4, UP, DOWN);
    assertThat(s.observe(0, 3, 4, 1)).isZero();
    assertThat(s.observe(UP - 1, 3, 4, 1)).isZero();
    assertThat(s.observe(UP, 3, 4, 1)).isEqualTo(1);
    assertThat(s.target()).isEqualTo(2);
    assertThat(s.observe(UP + 50, 3, 4, 2)).isZero();
    assertThat(s.observe(2 * UP, 3, 4, 2)).isEqualTo(1);
    assertThat(s.observe(3 * UP, 3, 4, 3)).isEqualTo(1);
    assertThat(s.target()).isEqualTo(4);
    assertThat(s.observe(10 * UP, 3, 4, 4)).as("never beyond max_workers").isZero();
    assertThat(s.target()).isEqualTo(4);
  }

  @Test
  void waitingThatStopsRestartsTheClock() {
    WorkerScaler s = new WorkerScaler(1, 4, UP, DOWN);
    s.observe(0, 1, 4, 1);
    s.observe(UP - 10, 0, 4, 1);
    assertThat(s.observe(UP, 1, 4, 1)).isZero();
    assertThat(s.observe(2 * UP - 1, 1, 4, 1)).isZero();
    assertThat(s.observe(2 * UP, 1, 4, 1)).isEqualTo(1);
  }

  @Test
  void neverGrowsBeyondWhatTheWaitingStreamTablesMayUse() {
    WorkerScaler s = new WorkerScaler(1, 4, UP, DOWN);
    for (long t = 0; t < 50 * UP; t += UP) {
      s.observe(t, 5, 1, 1);
    }
    assertThat(s.target()).as("stream tables of one worker each").isEqualTo(1);
    for (long t = 50 * UP; t < 100 * UP; t += UP) {
      s.observe(t, 5, 2, s.target());
    }
    assertThat(s.target()).isEqualTo(2);
  }

  @Test
  void shrinksByOneForEachScaleDownPeriodWithAnIdleWorkerAndNothingWaiting() {
    WorkerScaler s = new WorkerScaler(1, 4, UP, DOWN);
    for (long t = 0; t <= 3 * UP; t += UP) {
      s.observe(t, 2, 4, s.target());
    }
    assertThat(s.target()).isEqualTo(4);
    long t0 = 10_000;
    assertThat(s.observe(t0, 0, 1, 4)).as("all busy: not idle").isZero();
    assertThat(s.observe(t0 + 1, 0, 1, 3)).isZero();
    assertThat(s.observe(t0 + DOWN, 0, 1, 3)).isZero();
    assertThat(s.observe(t0 + 1 + DOWN, 0, 1, 3)).isEqualTo(-1);
    assertThat(s.observe(t0 + 2 + DOWN, 0, 1, 0)).isZero();
    assertThat(s.observe(t0 + 1 + 2 * DOWN, 0, 1, 0)).isEqualTo(-1);
    assertThat(s.observe(t0 + 1 + 3 * DOWN, 0, 1, 0)).isEqualTo(-1);
    assertThat(s.target()).isEqualTo(1);
    assertThat(s.observe(t0 + 9 * DOWN, 0, 1, 0)).as("never below min_workers").isZero();
    assertThat(s.target()).isEqualTo(1);
  }

  @Test
  void aLaggingStreamTableAddsAWorkerAtOnceWithinWhatItMayUse() {
    WorkerScaler s = new WorkerScaler(1, 3, UP, DOWN);
    assertThat(s.growForLag(1)).isFalse();
    assertThat(s.growForLag(3)).isTrue();
    assertThat(s.target()).isEqualTo(2);
    assertThat(s.growForLag(2)).isFalse();
    assertThat(s.growForLag(8)).isTrue();
    assertThat(s.growForLag(8)).as("never beyond max_workers").isFalse();
    assertThat(s.target()).isEqualTo(3);
  }
}
