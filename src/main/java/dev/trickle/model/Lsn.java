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
    if (!isHexPart(text, 0, slash) || !isHexPart(text, slash + 1, text.length())) {
      throw new IllegalArgumentException("not an LSN: " + text);
    }
    long hi = Long.parseLong(text.substring(0, slash), 16);
    long lo = Long.parseLong(text.substring(slash + 1), 16);
    return new Lsn((hi << 32) | lo);
  }

  /** Whether {@code text[from, to)} is 1 to 8 ASCII hex digits, as PostgreSQL's pg_lsn accepts. */
  private static boolean isHexPart(String text, int from, int to) {
    if (from < 0 || to - from < 1 || to - from > 8) {
      return false;
    }
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        return false;
      }
    }
    return true;
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
