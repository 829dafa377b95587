package dev.trickle.cdc.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

final class PgTimeTest {

  @Test
  void toInstant_zero_isPostgresEpoch() {
    assertThat(PgTime.toInstant(0)).isEqualTo(Instant.parse("2000-01-01T00:00:00Z"));
  }

  @Test
  void toInstant_positive_keepsMicros() {
    assertThat(PgTime.toInstant(757_382_400_123_456L))
        .isEqualTo(Instant.parse("2024-01-01T00:00:00.123456Z"));
  }

  @Test
  void toInstant_negative_isBeforeEpoch() {
    assertThat(PgTime.toInstant(-1)).isEqualTo(Instant.parse("1999-12-31T23:59:59.999999Z"));
    assertThat(PgTime.toInstant(-946_684_800_000_000L)).isEqualTo(Instant.EPOCH);
  }

  @Test
  void toPgMicros_truncatesNanos() {
    assertThat(PgTime.toPgMicros(Instant.parse("2000-01-01T00:00:00.000001999Z"))).isEqualTo(1);
    assertThat(PgTime.toPgMicros(Instant.parse("1999-12-31T23:59:59.999999999Z"))).isEqualTo(-1);
  }

  @Test
  void toPgMicros_outOfRange_throws() {
    assertThatThrownBy(() -> PgTime.toPgMicros(Instant.MAX))
        .isInstanceOf(ArithmeticException.class);
  }

  @Property
  void toPgMicros_inverseOfToInstant(
      @ForAll @LongRange(min = -300_000_000_000_000_000L, max = 300_000_000_000_000_000L)
          long micros) {
    assertThat(PgTime.toPgMicros(PgTime.toInstant(micros))).isEqualTo(micros);
  }
}
