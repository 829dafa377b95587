package dev.trickle.config;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Short duration strings: {@code 250ms}, {@code 1s}, {@code 5m}, {@code 1h}, {@code 1d}, combined
 * from the largest unit down ({@code 1m30s}, {@code 1h15m}), or a bare integer meaning seconds.
 */
public final class Durations {

  /** What a duration looks like; appended to every parse error. */
  static final String ALLOWED = "use e.g. 500ms, 1s, 5m, 1h";

  private static final Pattern PART = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");
  private static final Pattern BARE = Pattern.compile("\\d{1,12}");
  private static final List<String> UNITS = List.of("d", "h", "m", "s", "ms");
  private static final List<Duration> UNIT_LENGTHS =
      List.of(
          Duration.ofDays(1),
          Duration.ofHours(1),
          Duration.ofMinutes(1),
          Duration.ofSeconds(1),
          Duration.ofMillis(1));

  private Durations() {}

  /**
   * Parses a positive duration.
   *
   * @param text the text, e.g. {@code 1m30s}; surrounding blanks are ignored
   * @return the duration, greater than zero
   * @throws IllegalArgumentException with a message that quotes the text and says what is allowed
   */
  public static Duration parse(String text) {
    String s = text.strip();
    Duration result = BARE.matcher(s).matches() ? Duration.ofSeconds(Long.parseLong(s)) : units(s);
    if (result == null) {
      throw new IllegalArgumentException("\"" + text + "\" is not a duration (" + ALLOWED + ")");
    }
    if (result.isZero()) {
      throw new IllegalArgumentException("\"" + text + "\" must be greater than zero");
    }
    return result;
  }

  /** Returns the sum of the unit parts, or {@code null} if the text is not made of them. */
  private static Duration units(String s) {
    Matcher m = PART.matcher(s);
    Duration sum = Duration.ZERO;
    int at = 0;
    int lastUnit = -1;
    while (at < s.length()) {
      if (!m.find(at) || m.start() != at) {
        return null;
      }
      int unit = UNITS.indexOf(m.group(2));
      if (unit <= lastUnit) {
        return null; // units must appear once each, largest first
      }
      lastUnit = unit;
      try {
        sum = sum.plus(UNIT_LENGTHS.get(unit).multipliedBy(Long.parseLong(m.group(1))));
      } catch (ArithmeticException e) {
        return null;
      }
      at = m.end();
    }
    return at == 0 ? null : sum;
  }

  /**
   * Formats a duration in the short form that {@link #parse} reads back, e.g. {@code 1m30s}.
   *
   * @param duration a duration of zero or more, in whole milliseconds
   * @return the short form; {@code 0s} for zero
   * @throws IllegalArgumentException if the duration is negative or not whole milliseconds
   */
  public static String format(Duration duration) {
    if (duration.isNegative() || !duration.truncatedTo(ChronoUnit.MILLIS).equals(duration)) {
      throw new IllegalArgumentException(
          "cannot format " + duration + " (need zero or more whole milliseconds)");
    }
    if (duration.isZero()) {
      return "0s";
    }
    StringBuilder out = new StringBuilder();
    Duration rest = duration;
    for (int i = 0; i < UNITS.size(); i++) {
      long count = rest.dividedBy(UNIT_LENGTHS.get(i));
      if (count > 0) {
        out.append(count).append(UNITS.get(i));
        rest = rest.minus(UNIT_LENGTHS.get(i).multipliedBy(count));
      }
    }
    return out.toString();
  }
}
