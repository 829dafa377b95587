package dev.trickle.cdc.debezium;

import static org.assertj.core.api.Assertions.assertThat;

import io.debezium.connector.postgresql.PostgresValueConverter;
import io.debezium.data.SpecialValueDecimal;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PGInterval;

/** The text form of each kind of value the connector hands over (the oracle is ValueTypesIT). */
final class PgTextTest {
  @Test
  void scalars() {
    assertThat(PgText.of("héllo")).isEqualTo("héllo");
    assertThat(PgText.of(true)).isEqualTo("t");
    assertThat(PgText.of(false)).isEqualTo("f");
    assertThat(PgText.of(Long.MIN_VALUE)).isEqualTo("-9223372036854775808");
    assertThat(PgText.of(-3)).isEqualTo("-3");
  }

  @Test
  void floatingPoint_keepsSpecialValuesAndNegativeZero() {
    assertThat(PgText.of(Double.NaN)).isEqualTo("NaN");
    assertThat(PgText.of(Double.NEGATIVE_INFINITY)).isEqualTo("-Infinity");
    assertThat(PgText.of(-0.0d)).isEqualTo("-0.0");
    assertThat(PgText.of(0.1d)).isEqualTo("0.1");
    assertThat(PgText.of(Float.POSITIVE_INFINITY)).isEqualTo("Infinity");
    assertThat(PgText.of(1.1f)).isEqualTo("1.1");
  }

  @Test
  void numeric_keepsScaleAndSpecialValues() {
    assertThat(PgText.of(new SpecialValueDecimal(new BigDecimal("12.50")))).isEqualTo("12.50");
    assertThat(PgText.of(new SpecialValueDecimal(new BigDecimal("1E+3")))).isEqualTo("1000");
    assertThat(PgText.of(SpecialValueDecimal.NOT_A_NUMBER)).isEqualTo("NaN");
    assertThat(PgText.of(SpecialValueDecimal.POSITIVE_INF)).isEqualTo("Infinity");
    assertThat(PgText.of(SpecialValueDecimal.NEGATIVE_INF)).isEqualTo("-Infinity");
    assertThat(PgText.of(new BigDecimal("12.34"))).isEqualTo("12.34");
  }

  @Test
  void datesAndTimestamps_spellBcAndInfinity() {
    assertThat(PgText.of(LocalDate.of(-43, 3, 15))).isEqualTo("0044-03-15 BC");
    assertThat(PgText.of(LocalDate.of(2024, 2, 29))).isEqualTo("2024-02-29");
    assertThat(PgText.of(PostgresValueConverter.POSITIVE_INFINITY_LOCAL_DATE))
        .isEqualTo("infinity");
    assertThat(PgText.of(PostgresValueConverter.NEGATIVE_INFINITY_LOCAL_DATE))
        .isEqualTo("-infinity");
    assertThat(PgText.of(Instant.parse("2024-02-29T13:45:06.123456Z")))
        .isEqualTo("2024-02-29 13:45:06.123456");
    assertThat(PgText.of(Instant.parse("-0043-03-15T12:00:00Z")))
        .isEqualTo("0044-03-15 12:00:00.000000 BC");
    assertThat(PgText.of(PostgresValueConverter.NEGATIVE_INFINITY_INSTANT)).isEqualTo("-infinity");
    assertThat(PgText.of(OffsetDateTime.parse("2024-02-29T11:45:06.5Z")))
        .isEqualTo("2024-02-29 11:45:06.500000+00");
    assertThat(PgText.of(PostgresValueConverter.POSITIVE_INFINITY_OFFSET_DATE_TIME))
        .isEqualTo("infinity");
    assertThat(PgText.of(LocalTime.of(13, 45, 6, 123_456_000))).isEqualTo("13:45:06.123456");
    assertThat(PgText.of(OffsetTime.of(4, 30, 0, 0, ZoneOffset.ofHoursMinutes(5, 30))))
        .isEqualTo("04:30:00.000000+05:30");
  }

  @Test
  void byteaIntervalAndPgObjects() throws Exception {
    assertThat(PgText.of(new byte[] {0, (byte) 0xff, 0x27})).isEqualTo("\\x00ff27");
    assertThat(PgText.of(new byte[0])).isEqualTo("\\x");
    assertThat(PgText.of(new PGInterval("1 year 2 mons -3 days 04:05:06.7")))
        .isEqualTo(new PGInterval("1 year 2 mons -3 days 04:05:06.7").getValue());
  }
}
