package dev.trickle.refresh;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

final class RefreshCostsTest {
  @Test
  void nothingLearned_neverPredictsFull() {
    RefreshCosts c = new RefreshCosts();
    assertThat(c.fullPredictedCheaper(1_000_000)).isFalse();
    c.recordFull(10);
    assertThat(c.fullPredictedCheaper(1_000_000)).isFalse();
  }

  @Test
  void aLargerDeltaThatCostMoreThanFull_predictsFull() {
    RefreshCosts c = new RefreshCosts();
    c.recordFull(15);
    c.recordDifferential(10_000, 55); // 0.0055 ms per row
    assertThat(c.fullPredictedCheaper(10_000)).isTrue();
    assertThat(c.fullPredictedCheaper(5_000)).isTrue(); // 27.5 ms predicted
    assertThat(c.fullPredictedCheaper(2_000)).isFalse(); // 11 ms predicted
  }

  @Test
  void aSmallCheapDelta_doesNotCondemnLargerOnes() {
    RefreshCosts c = new RefreshCosts();
    c.recordFull(400);
    c.recordDifferential(1, 5); // 5 ms per row, mostly fixed costs
    assertThat(c.fullPredictedCheaper(1_000)).isFalse();
  }

  @Test
  void durationsAreBlended() {
    RefreshCosts c = new RefreshCosts();
    c.recordFull(100);
    c.recordFull(20); // blended to 60
    c.recordDifferential(1_000, 50);
    assertThat(c.fullPredictedCheaper(1_000)).isFalse();
    c.recordFull(20); // 40
    assertThat(c.fullPredictedCheaper(1_000)).isTrue();
  }
}
