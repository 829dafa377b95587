package dev.trickle.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class ReadyLagTest {
  private static ReadyLag.Waiting waited(long lagMillis) {
    return new ReadyLag.Waiting(lagMillis, 100);
  }

  @Test
  void noStreamTableOverTheThreshold_isReady() {
    assertThat(
            ReadyLag.reason(
                Duration.ofSeconds(1), Map.of("public.a", waited(1100), "public.b", waited(0))))
        .isEmpty();
    assertThat(ReadyLag.reason(Duration.ofSeconds(1), Map.of())).isEmpty();
  }

  @Test
  void overTheThreshold_namesTheLatestStreamTable_howLate_andTheThreshold() {
    assertThat(
            ReadyLag.reason(
                Duration.ofMillis(1500),
                Map.of(
                    "public.a", waited(1700),
                    "public.b", waited(4300),
                    "public.c", waited(10))))
        .contains(
            "stream table public.b lags 4200 ms behind its sources beyond its schedule (oldest"
                + " unabsorbed change), over pg_trickle.ready_max_lag = 1s500ms");
  }

  @Test
  void waitingForItsOwnSchedule_isNotLate() {
    // refreshed every minute: 40 s of waiting is the schedule, not lag
    assertThat(
            ReadyLag.reason(
                Duration.ofSeconds(30), Map.of("public.m", new ReadyLag.Waiting(40_000, 60_000))))
        .isEmpty();
    assertThat(
            ReadyLag.reason(
                Duration.ofSeconds(30), Map.of("public.m", new ReadyLag.Waiting(95_000, 60_000))))
        .hasValueSatisfying(r -> assertThat(r).contains("lags 35000 ms"));
  }

  @Test
  void zero_switchesTheCheckOff() {
    assertThat(ReadyLag.reason(Duration.ZERO, Map.of("public.a", waited(999_999)))).isEmpty();
  }
}
