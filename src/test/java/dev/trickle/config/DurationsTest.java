package dev.trickle.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

final class DurationsTest {

  @Test
  void parse_units_giveDurations() {
    assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(Durations.parse("1s")).isEqualTo(Duration.ofSeconds(1));
    assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(Durations.parse("1d")).isEqualTo(Duration.ofDays(1));
    assertThat(Durations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("1h15m")).isEqualTo(Duration.ofMinutes(75));
  }

  @Test
  void parse_bareInteger_meansSeconds() {
    assertThat(Durations.parse("30")).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void parse_words_saysWhatIsAllowed() {
    assertThatThrownBy(() -> Durations.parse("5 minutes"))
        .hasMessage("\"5 minutes\" is not a duration (use e.g. 500ms, 1s, 5m, 1h)");
  }

  @Test
  void parse_unitsOutOfOrderOrRepeated_rejected() {
    assertThatThrownBy(() -> Durations.parse("30s1m"))
        .hasMessage("\"30s1m\" is not a duration (use e.g. 500ms, 1s, 5m, 1h)");
    assertThatThrownBy(() -> Durations.parse("1s1s")).hasMessageContaining("is not a duration");
    assertThatThrownBy(() -> Durations.parse("")).hasMessageContaining("is not a duration");
    assertThatThrownBy(() -> Durations.parse("-1s")).hasMessageContaining("is not a duration");
  }

  @Test
  void parse_zero_mustBeGreaterThanZero() {
    assertThatThrownBy(() -> Durations.parse("0ms"))
        .hasMessage("\"0ms\" must be greater than zero");
    assertThatThrownBy(() -> Durations.parse("0")).hasMessage("\"0\" must be greater than zero");
  }

  @Test
  void format_givesShortForm() {
    assertThat(Durations.format(Duration.ofSeconds(1))).isEqualTo("1s");
    assertThat(Durations.format(Duration.ofMinutes(5))).isEqualTo("5m");
    assertThat(Durations.format(Duration.ofMillis(250))).isEqualTo("250ms");
    assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("1m30s");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1s500ms");
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
  }

  @Test
  void format_subMillisecond_rejected() {
    assertThatThrownBy(() -> Durations.format(Duration.ofNanos(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
