package dev.trickle.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class ReadyLagTest {

  @Test
  void noStreamTableOverTheThreshold_isReady() {
    assertThat(ReadyLag.reason(Duration.ofSeconds(1), Map.of("public.a", 1000L, "public.b", 0L)))
        .isEmpty();
    assertThat(ReadyLag.reason(Duration.ofSeconds(1), Map.of())).isEmpty();
  }

  @Test
  void overTheThreshold_namesTheWorstStreamTable_itsLag_andTheThreshold() {
    assertThat(
            ReadyLag.reason(
                Duration.ofMillis(1500),
                Map.of("public.a", 1600L, "public.b", 4200L, "public.c", 10L)))
        .contains(
            "stream table public.b lags 4200 ms behind its sources (oldest unabsorbed change),"
                + " over pg_trickle.ready_max_lag = 1s500ms");
  }

  @Test
  void zero_switchesTheCheckOff() {
    assertThat(ReadyLag.reason(Duration.ZERO, Map.of("public.a", 999_999L))).isEmpty();
  }
}
