package dev.trickle.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;

final class DurationsPropertyTest {

  @Property
  void parse_format_roundTrips(@ForAll @LongRange(min = 1, max = 1_000L * 86_400_000L) long ms) {
    Duration d = Duration.ofMillis(ms);
    assertThat(Durations.parse(Durations.format(d))).isEqualTo(d);
  }
}
