package dev.trickle.refresh;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.refresh.RefreshCosts.Advice;
import org.junit.jupiter.api.Test;

final class RefreshCostsTest {
  @Test
  void nothingLearned_leavesItToTheChangeRatio() {
    RefreshCosts c = new RefreshCosts();
    assertThat(c.advise(1_000_000)).isEqualTo(Advice.UNMEASURED);
    c.recordFull(10, false);
    assertThat(c.advise(1_000_000)).isEqualTo(Advice.UNMEASURED);
  }

  @Test
  void aDeltaLargerThanAnyMeasured_isProbedWhenExtrapolationComesCloseToFull() {
    RefreshCosts c = new RefreshCosts();
    c.recordFull(370, false);
    c.recordDifferential(10_000, 80); // 0.008 ms per row
    assertThat(c.advise(50_000)).isEqualTo(Advice.PROBE_DIFFERENTIAL); // 400 <= 1.5 x 370
    assertThat(c.advise(100_000)).isEqualTo(Advice.UNMEASURED); // 800 > 1.5 x 370
    c.recordDifferential(50_000, 280); // measured: cheaper than extrapolated, and than FULL
    assertThat(c.advise(50_000)).isEqualTo(Advice.DIFFERENTIAL);
  }

  @Test
  void aLargerDeltaThatCostMoreThanFull_predictsFull() {
    RefreshCosts c = new RefreshCosts();
    c.recordFull(15, false);
    c.recordDifferential(10_000, 55); // 0.0055 ms per row
    c.recordDifferential(10_000, 56);
    c.recordDifferential(10_000, 57);
    assertThat(c.advise(10_000)).isEqualTo(Advice.FULL_CHEAPER);
    assertThat(c.advise(5_000)).isEqualTo(Advice.FULL_CHEAPER); // 27.5 ms predicted
    assertThat(c.advise(3_000)).isEqualTo(Advice.FULL_CHEAPER); // 16.5 ms > 15
    assertThat(c.advise(2_000)).isEqualTo(Advice.DIFFERENTIAL); // 11 ms predicted
  }

  @Test
  void oneSlowSample_isMeasuredAgainUnlessFarOff() {
    RefreshCosts c = new RefreshCosts();
    c.recordFull(10, false);
    c.recordDifferential(1_000, 12); // a cold first run?
    assertThat(c.advise(1_000)).isEqualTo(Advice.PROBE_DIFFERENTIAL);
    c.recordDifferential(1_000, 6);
    assertThat(c.advise(1_000)).isEqualTo(Advice.DIFFERENTIAL);

    RefreshCosts far = new RefreshCosts();
    far.recordFull(10, false);
    far.recordDifferential(1_000, 16);
    assertThat(far.advise(1_000)).isEqualTo(Advice.FULL_CHEAPER);

    RefreshCosts thrice = new RefreshCosts();
    thrice.recordFull(10, false);
    thrice.recordDifferential(1_000, 12);
    thrice.recordDifferential(1_000, 13);
    assertThat(thrice.advise(1_000)).isEqualTo(Advice.PROBE_DIFFERENTIAL);
    thrice.recordDifferential(1_000, 12);
    assertThat(thrice.advise(1_000)).isEqualTo(Advice.FULL_CHEAPER);
  }

  @Test
  void aSmallCheapDelta_doesNotCondemnLargerOnes() {
    RefreshCosts c = new RefreshCosts();
    c.recordFull(400, false);
    c.recordDifferential(1, 5); // 5 ms per row, mostly fixed costs
    assertThat(c.advise(1_000)).isEqualTo(Advice.UNMEASURED); // the change ratio decides
  }

  @Test
  void fullDurationFromTheInitialFill_isMeasuredAgainWhenItMatters() {
    RefreshCosts c = new RefreshCosts();
    c.recordFull(20, true); // cold
    c.recordDifferential(1_000, 13);
    c.recordDifferential(1_000, 14);
    c.recordDifferential(1_000, 15);
    assertThat(c.advise(1_000)).isEqualTo(Advice.PROBE_FULL); // 13 >= 20 / 2
    c.recordFull(9, false); // replaces the initial fill's duration
    assertThat(c.advise(1_000)).isEqualTo(Advice.FULL_CHEAPER);
    assertThat(c.advise(100)).isEqualTo(Advice.DIFFERENTIAL);
  }

  @Test
  void aColdInitialFill_isMeasuredAgainSooner_thanAnOldFullDuration() {
    RefreshCosts fill = new RefreshCosts();
    fill.recordFull(40, true); // cold, perhaps five times a warm FULL refresh
    fill.recordDifferential(1_000, 10);
    assertThat(fill.advise(1_000)).isEqualTo(Advice.PROBE_FULL); // 10 >= 40 / 8

    RefreshCosts old = new RefreshCosts();
    old.recordFull(40, false);
    for (int i = 0; i < RefreshCosts.STALE_AFTER; i++) {
      old.recordDifferential(1_000, 10);
    }
    assertThat(old.advise(1_000)).isEqualTo(Advice.DIFFERENTIAL); // 10 < 40 / 2
  }

  @Test
  void cheapDeltas_neverProbe() {
    RefreshCosts c = new RefreshCosts();
    c.recordFull(400, true);
    c.recordDifferential(1_000, 18);
    assertThat(c.advise(1_000)).isEqualTo(Advice.DIFFERENTIAL);
  }

  @Test
  void fullDurationGoesStale_afterManyDifferentialRefreshes() {
    RefreshCosts c = new RefreshCosts();
    c.recordFull(40, false);
    for (int i = 0; i < RefreshCosts.STALE_AFTER; i++) {
      c.recordDifferential(1_000, 20);
    }
    assertThat(c.advise(1_000)).isEqualTo(Advice.PROBE_FULL);
  }

  @Test
  void fullDuration_isTheFastestRecentOne() {
    RefreshCosts c = new RefreshCosts();
    c.recordFull(100, false);
    c.recordFull(60, false);
    c.recordDifferential(1_000, 50);
    c.recordDifferential(1_000, 51);
    c.recordDifferential(1_000, 52);
    assertThat(c.advise(1_000)).isEqualTo(Advice.DIFFERENTIAL); // 50 <= 60
    c.recordFull(40, false);
    assertThat(c.advise(1_000)).isEqualTo(Advice.FULL_CHEAPER); // 50 > 40
    for (int i = 0; i < RefreshCosts.SAMPLES; i++) {
      c.recordFull(70, false);
    }
    assertThat(c.advise(1_000)).isEqualTo(Advice.DIFFERENTIAL); // the 40 ms FULL has aged out
  }

  @Test
  void aFullDurationFromLongAgo_isReplacedByTheProbe() {
    RefreshCosts c = new RefreshCosts();
    c.recordFull(10, false);
    for (int i = 0; i < RefreshCosts.STALE_AFTER; i++) {
      c.recordDifferential(1_000, 9);
    }
    assertThat(c.advise(1_000)).isEqualTo(Advice.PROBE_FULL);
    c.recordFull(30, false); // the table grew
    for (int i = 0; i < RefreshCosts.SAMPLES; i++) {
      c.recordDifferential(1_000, 12); // so did the delta's cost
    }
    assertThat(c.advise(1_000)).isEqualTo(Advice.DIFFERENTIAL); // 12 <= 30, not > 10
  }

  @Test
  void theFastestRecentSample_isTheEstimate() {
    RefreshCosts c = new RefreshCosts();
    c.recordFull(10, false);
    c.recordDifferential(100, 30); // an outlier
    c.recordDifferential(100, 6);
    assertThat(c.advise(100)).isEqualTo(Advice.DIFFERENTIAL);
    for (int i = 0; i < RefreshCosts.SAMPLES; i++) {
      c.recordDifferential(100, 20);
    }
    assertThat(c.advise(100)).isEqualTo(Advice.FULL_CHEAPER); // the 6 ms sample has aged out
  }

  @Test
  void manyFullRefreshesInARow_measureADeltaAgain() {
    RefreshCosts c = new RefreshCosts();
    c.recordFull(10, false);
    c.recordDifferential(1_000, 40); // an outlier: FULL looks 4 times cheaper
    for (int i = 0; i < RefreshCosts.STALE_AFTER; i++) {
      assertThat(c.advise(1_000)).isEqualTo(Advice.FULL_CHEAPER);
      c.recordFull(10, false);
    }
    assertThat(c.advise(1_000)).isEqualTo(Advice.PROBE_DIFFERENTIAL);
    c.recordDifferential(1_000, 5);
    assertThat(c.advise(1_000)).isEqualTo(Advice.DIFFERENTIAL); // 5 ms beats 10
  }
}
