package dev.trickle.observe;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link LatencyHistory}: one point per closed interval with samples, the latest kept. */
final class LatencyHistoryTest {

  @Test
  void eachIntervalWithSamplesIsOnePoint() {
    LatencyHistory h = new LatencyHistory();
    for (int i = 1; i <= 100; i++) {
      h.record(i);
    }
    h.close(1_000);
    h.close(2_000); // no samples: no point
    h.record(7);
    h.close(3_000);
    assertThat(h.points())
        .containsExactly(
            new LatencyHistory.Point(1_000, 100, 50, 99), new LatencyHistory.Point(3_000, 1, 7, 7));
  }

  @Test
  void keepsTheLatestPoints_andCountsBeyondWhatItKeeps() {
    LatencyHistory h = new LatencyHistory();
    for (int s = 0; s < LatencyHistory.POINTS + 5; s++) {
      h.record(s);
      h.close(s * 1000L);
    }
    assertThat(h.points()).hasSize(LatencyHistory.POINTS);
    assertThat(h.points().get(0).atMillis()).isEqualTo(5_000);
    for (int i = 0; i < LatencyHistory.MAX_PER_INTERVAL + 10; i++) {
      h.record(1);
    }
    h.close(999_000);
    assertThat(h.points().get(LatencyHistory.POINTS - 1).count())
        .isEqualTo(LatencyHistory.MAX_PER_INTERVAL + 10);
  }

  @Test
  void metricsForgetADroppedStreamTable() {
    Metrics m = new Metrics();
    m.commitToVisible("public.gone", 3);
    m.closeLatencyInterval(1_000);
    assertThat(m.latencyHistory()).containsKey("public.gone");
    m.forget("public.gone");
    assertThat(m.latencyHistory()).isEmpty();
    assertThat(m.latencySummaries()).isEmpty();
    assertThat(m.scrape()).doesNotContain("public.gone");
  }
}
