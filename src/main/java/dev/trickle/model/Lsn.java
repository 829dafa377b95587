package dev.trickle.model;

import java.util.Locale;

/**
 * A PostgreSQL write-ahead log position, printed and parsed in PostgreSQL's {@code X/Y} form.
 *
 * @param value the unsigned 64-bit position
 */
public record Lsn(long value) implements Comparable<Lsn> {
  /** The invalid position {@code 0/0}. */
  public static final Lsn ZERO = new Lsn(0);

  /**
   * Parses {@code 16/B374D848}.
   *
   * @param text the textual LSN
   * @return the LSN
   * @throws IllegalArgumentException if the text is not an LSN
   */
  public static Lsn parse(String text) {
    int slash = text.indexOf('/');
    if (slash <= 0 || slash == text.length() - 1) {
      throw new IllegalArgumentException("not an LSN: " + text);
    }
    long hi = Long.parseLong(text.substring(0, slash), 16);
    long lo = Long.parseLong(text.substring(slash + 1), 16);
    return new Lsn((hi << 32) | lo);
  }

  @Override
  public int compareTo(Lsn other) {
    return Long.compareUnsigned(value, other.value);
  }

  /** True when this position lies strictly after {@code other}. */
  public boolean isAfter(Lsn other) {
    return compareTo(other) > 0;
  }

  /** The later of the two positions. */
  public Lsn max(Lsn other) {
    return compareTo(other) >= 0 ? this : other;
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%X/%X", value >>> 32, value & 0xFFFFFFFFL);
  }
}
