package dev.trickle.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

final class CrashPointsTest {
  @Test
  void unset_armsNothing() {
    assertThat(CrashPoints.Armed.parse(null)).isNull();
    assertThat(CrashPoints.Armed.parse(" ")).isNull();
  }

  @Test
  void pointAlone_haltsAtTheFirstVisit() {
    CrashPoints.Armed armed = CrashPoints.Armed.parse("after_commit");
    assertThat(armed.hit(CrashPoints.Point.BEFORE_MERGE)).isFalse();
    assertThat(armed.hit(CrashPoints.Point.AFTER_COMMIT)).isTrue();
  }

  @Test
  void nthVisit_letsTheEarlierOnesPass() {
    CrashPoints.Armed armed = CrashPoints.Armed.parse("BETWEEN_CHUNKS:3");
    assertThat(armed.hit(CrashPoints.Point.BETWEEN_CHUNKS)).isFalse();
    assertThat(armed.hit(CrashPoints.Point.AFTER_COMMIT)).isFalse();
    assertThat(armed.hit(CrashPoints.Point.BETWEEN_CHUNKS)).isFalse();
    assertThat(armed.hit(CrashPoints.Point.BETWEEN_CHUNKS)).isTrue();
    assertThat(armed.hit(CrashPoints.Point.BETWEEN_CHUNKS)).isFalse();
  }

  @Test
  void unknownPointOrBadCount_isRefused() {
    assertThatThrownBy(() -> CrashPoints.Armed.parse("nowhere"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> CrashPoints.Armed.parse("after_commit:0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least 1");
  }
}
