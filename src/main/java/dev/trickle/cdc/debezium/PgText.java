package dev.trickle.cdc.debezium;

import io.debezium.connector.postgresql.PostgresValueConverter;
import io.debezium.data.SpecialValueDecimal;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.ZoneOffset;
import java.util.HexFormat;
import org.postgresql.util.PGInterval;

/**
 * PostgreSQL's text form of a value as the Debezium connector decoded it from pgoutput, so that the
 * value reads back as the same value ({@code CAST(text AS type)}). Pure.
 *
 * <p>What the connector hands over, by column type: strings unchanged (text types, json, jsonb,
 * uuid, enums, inet, ranges, bit strings, xml, time); {@code Boolean}; {@code Integer}/{@code
 * Long}; {@code Float}/{@code Double}; {@link SpecialValueDecimal} for numeric; {@link BigDecimal}
 * for money; {@link LocalDate} for date; {@link Instant} for timestamp (read as UTC); {@link
 * OffsetDateTime} at UTC for timestamptz; {@link OffsetTime} at UTC for timetz; {@code byte[]} for
 * bytea; {@link PGInterval}; pgjdbc objects (arrays, geometric types) whose {@code toString} is the
 * server's text. Infinite dates and timestamps arrive as the connector's sentinels and go back as
 * {@code infinity} and {@code -infinity}.
 */
public final class PgText {
  private PgText() {}

  /**
   * The text form of a value.
   *
   * @param value the connector's value, not null
   * @return the text PostgreSQL reads back as the same value
   */
  public static String of(Object value) {
    if (value instanceof String s) {
      return s;
    }
    if (value instanceof Boolean b) {
      return b ? "t" : "f";
    }
    if (value instanceof Integer || value instanceof Long || value instanceof Short) {
      return value.toString();
    }
    if (value instanceof Double d) {
      return floating(d);
    }
    if (value instanceof Float f) {
      return Float.isNaN(f) || Float.isInfinite(f) ? floating(f) : Float.toString(f);
    }
    if (value instanceof SpecialValueDecimal d) {
      return numeric(d);
    }
    if (value instanceof BigDecimal d) {
      return d.toPlainString();
    }
    if (value instanceof LocalDate d) {
      return date(d);
    }
    if (value instanceof Instant i) {
      return timestamp(i);
    }
    if (value instanceof OffsetDateTime t) {
      return timestamptz(t);
    }
    if (value instanceof OffsetTime t) {
      return time(t.toLocalTime()) + offset(t.getOffset());
    }
    if (value instanceof LocalTime t) {
      return time(t);
    }
    if (value instanceof byte[] bytes) {
      return "\\x" + HexFormat.of().formatHex(bytes);
    }
    if (value instanceof PGInterval i) {
      return i.getValue();
    }
    return value.toString();
  }

  private static String floating(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    return Double.toString(d);
  }

  private static String numeric(SpecialValueDecimal d) {
    if (d.getDecimalValue().isPresent()) {
      return d.getDecimalValue().get().toPlainString();
    }
    if (d.equals(SpecialValueDecimal.POSITIVE_INF)) {
      return "Infinity";
    }
    return d.equals(SpecialValueDecimal.NEGATIVE_INF) ? "-Infinity" : "NaN";
  }

  private static String date(LocalDate d) {
    if (d.equals(PostgresValueConverter.POSITIVE_INFINITY_LOCAL_DATE)) {
      return "infinity";
    }
    if (d.equals(PostgresValueConverter.NEGATIVE_INFINITY_LOCAL_DATE)) {
      return "-infinity";
    }
    return ymd(d);
  }

  private static String timestamp(Instant i) {
    if (i.equals(PostgresValueConverter.POSITIVE_INFINITY_INSTANT)) {
      return "infinity";
    }
    if (i.equals(PostgresValueConverter.NEGATIVE_INFINITY_INSTANT)) {
      return "-infinity";
    }
    return dateTime(LocalDateTime.ofInstant(i, ZoneOffset.UTC), "");
  }

  private static String timestamptz(OffsetDateTime t) {
    if (t.equals(PostgresValueConverter.POSITIVE_INFINITY_OFFSET_DATE_TIME)) {
      return "infinity";
    }
    if (t.equals(PostgresValueConverter.NEGATIVE_INFINITY_OFFSET_DATE_TIME)) {
      return "-infinity";
    }
    return dateTime(t.toLocalDateTime(), offset(t.getOffset()));
  }

  /** {@code yyyy-mm-dd hh:mi:ss.ffffff[+hh:mi] [BC]}: the era goes last, after the offset. */
  private static String dateTime(LocalDateTime t, String offset) {
    String ymd = ymd(t.toLocalDate());
    boolean bc = ymd.endsWith(" BC");
    String day = bc ? ymd.substring(0, ymd.length() - 3) : ymd;
    return day + " " + time(t.toLocalTime()) + offset + (bc ? " BC" : "");
  }

  /** Year 0 is 1 BC, year -1 is 2 BC (PostgreSQL has no year 0). */
  private static String ymd(LocalDate d) {
    int year = d.getYear();
    String body =
        String.format(
            java.util.Locale.ROOT,
            "%04d-%02d-%02d",
            year > 0 ? year : 1 - year,
            d.getMonthValue(),
            d.getDayOfMonth());
    return year > 0 ? body : body + " BC";
  }

  private static String time(LocalTime t) {
    return String.format(
        java.util.Locale.ROOT,
        "%02d:%02d:%02d.%06d",
        t.getHour(),
        t.getMinute(),
        t.getSecond(),
        t.getNano() / 1000);
  }

  private static String offset(ZoneOffset o) {
    return o.getTotalSeconds() == 0 ? "+00" : o.getId();
  }
}
