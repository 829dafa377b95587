package dev.trickle.config;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A check on a setting's value with a description of what is allowed.
 *
 * @param <T> the value type
 * @param test accepts the allowed values
 * @param allowed what is allowed, e.g. {@code 1 to 64}; shown in errors and the docs
 */
public record Validator<T>(Predicate<T> test, String allowed) {

  private static final Pattern HOST_PORT =
      Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):(\\d{1,5})");

  /** Checks the components. */
  public Validator {
    Objects.requireNonNull(test, "test");
    Objects.requireNonNull(allowed, "allowed");
  }

  /** Returns whether {@code value} is allowed. */
  public boolean accepts(T value) {
    return test.test(value);
  }

  /** Accepts integers from {@code min} to {@code max} inclusive. */
  public static Validator<Integer> range(int min, int max) {
    return new Validator<>(v -> v >= min && v <= max, min + " to " + max);
  }

  /** Accepts numbers from {@code min} to {@code max} inclusive. */
  public static Validator<Double> range(double min, double max) {
    return new Validator<>(
        v -> v >= min && v <= max,
        trim(Double.toString(min)) + " to " + trim(Double.toString(max)));
  }

  /** Accepts durations greater than zero. */
  public static Validator<Duration> positive() {
    return new Validator<>(d -> !d.isNegative() && !d.isZero(), "a positive duration");
  }

  /** Accepts durations greater than zero, and zero meaning "off". */
  public static Validator<Duration> positiveOrOff() {
    return new Validator<>(d -> !d.isNegative(), "a positive duration, or 0 (off)");
  }

  /** Accepts every value. */
  public static <T> Validator<T> any(String allowed) {
    return new Validator<>(v -> true, allowed);
  }

  /** Accepts {@code host:port} with a port from 1 to 65535 (IPv6 hosts in brackets). */
  public static Validator<String> hostPort() {
    return new Validator<>(Validator::isHostPort, "host:port, e.g. 127.0.0.1:8765");
  }

  private static boolean isHostPort(String s) {
    var m = HOST_PORT.matcher(s);
    if (!m.matches()) {
      return false;
    }
    int port = Integer.parseInt(m.group(2));
    return port >= 1 && port <= 65535;
  }

  private static String trim(String number) {
    return number.endsWith(".0") ? number.substring(0, number.length() - 2) : number;
  }
}
