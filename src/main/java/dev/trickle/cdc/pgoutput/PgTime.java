package dev.trickle.cdc.pgoutput;

import java.time.Instant;

/**
 * Converts PostgreSQL timestamps as sent on the wire (microseconds since the PostgreSQL epoch,
 * 2000-01-01 00:00:00 UTC) to and from {@link Instant}.
 */
public final class PgTime {
  /** Seconds from the Unix epoch to 2000-01-01 00:00:00 UTC. */
  static final long PG_EPOCH_SECONDS = 946_684_800L;

  private static final long MICROS_PER_SECOND = 1_000_000L;

  private PgTime() {}

  /**
   * Converts a PostgreSQL timestamp to an instant.
   *
   * @param pgMicros microseconds since 2000-01-01 00:00:00 UTC (may be negative)
   * @return the same point in time
   */
  public static Instant toInstant(long pgMicros) {
    long seconds = Math.floorDiv(pgMicros, MICROS_PER_SECOND);
    long micros = Math.floorMod(pgMicros, MICROS_PER_SECOND);
    return Instant.ofEpochSecond(seconds + PG_EPOCH_SECONDS, micros * 1_000L);
  }

  /**
   * Converts an instant to a PostgreSQL timestamp, truncating to whole microseconds (towards the
   * past).
   *
   * @param instant the instant
   * @return microseconds since 2000-01-01 00:00:00 UTC
   * @throws ArithmeticException if the result does not fit in a {@code long}
   */
  public static long toPgMicros(Instant instant) {
    long seconds = Math.subtractExact(instant.getEpochSecond(), PG_EPOCH_SECONDS);
    return Math.addExact(
        Math.multiplyExact(seconds, MICROS_PER_SECOND), instant.getNano() / 1_000L);
  }
}
