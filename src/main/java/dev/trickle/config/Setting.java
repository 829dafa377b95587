package dev.trickle.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One typed setting of the catalogue, set in YAML as {@code settings.<category>.<key>} or by its
 * flat name {@code pg_trickle.<key>}.
 *
 * @param <T> the value type: {@link Integer}, {@link Double}, {@link Boolean}, {@link Duration} or
 *     {@link String}
 * @param category {@code scheduler}, {@code cdc}, {@code dvm} or {@code monitoring}
 * @param key the key within its category, e.g. {@code max_workers}
 * @param type the value type
 * @param defaultValue the value when not set
 * @param unit the unit shown in the docs (may be empty)
 * @param description what the setting does
 * @param validator the allowed values
 * @param secret whether the value must never be printed
 */
public record Setting<T>(
    String category,
    String key,
    Class<T> type,
    T defaultValue,
    String unit,
    String description,
    Validator<T> validator,
    boolean secret) {

  /** The prefix of flat names. */
  public static final String FLAT_PREFIX = "pg_trickle.";

  private static final Pattern INTEGER = Pattern.compile("[-+]?\\d{1,10}");
  private static final Pattern OFF = Pattern.compile("(?i)0|0s|0ms|off");
  private static final Pattern DECIMAL = Pattern.compile("[-+]?\\d{1,18}(\\.\\d{1,18})?");

  /** Checks the components, including that the default is allowed. */
  public Setting {
    Objects.requireNonNull(category, "category");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(defaultValue, "defaultValue");
    Objects.requireNonNull(unit, "unit");
    Objects.requireNonNull(description, "description");
    if (!validator.accepts(defaultValue)) {
      throw new IllegalArgumentException("default of " + key + " is not allowed");
    }
  }

  /** Creates a setting that is not secret. */
  static <T> Setting<T> of(
      String category,
      String key,
      Class<T> type,
      T defaultValue,
      String unit,
      String description,
      Validator<T> validator) {
    return new Setting<>(category, key, type, defaultValue, unit, description, validator, false);
  }

  /** Returns {@code pg_trickle.<key>}. */
  public String flatName() {
    return FLAT_PREFIX + key;
  }

  /** Returns {@code settings.<category>.<key>}, the YAML key path. */
  public String yamlPath() {
    return "settings." + category + "." + key;
  }

  /**
   * Parses and validates a value given as text.
   *
   * @param text the text (already expanded)
   * @return the value
   * @throws IllegalArgumentException saying what is allowed; secret values are not quoted
   */
  public T parse(String text) {
    String s = text.strip();
    String shown = secret ? "the value" : "\"" + text + "\"";
    T value = type.cast(convert(s, shown));
    if (!validator.accepts(value)) {
      String what = Number.class.isAssignableFrom(type) ? " is out of range" : " is not allowed";
      throw new IllegalArgumentException(
          (secret ? "the value" : s) + what + " (allowed: " + validator.allowed() + ")");
    }
    return value;
  }

  private Object convert(String s, String shown) {
    if (type == Integer.class) {
      if (!INTEGER.matcher(s).matches() || outsideInt(s)) {
        throw new IllegalArgumentException(
            shown + " is not an integer (allowed: " + validator.allowed() + ")");
      }
      return Integer.valueOf(s);
    }
    if (type == Double.class) {
      if (!DECIMAL.matcher(s).matches()) {
        throw new IllegalArgumentException(
            shown + " is not a number (allowed: " + validator.allowed() + ")");
      }
      return Double.valueOf(s);
    }
    if (type == Boolean.class) {
      String lower = s.toLowerCase(Locale.ROOT);
      if (!lower.equals("true") && !lower.equals("false")) {
        throw new IllegalArgumentException(shown + " is not a boolean (use true or false)");
      }
      return Boolean.valueOf(lower);
    }
    if (type == Duration.class) {
      if (OFF.matcher(s).matches() && validator.accepts(type.cast(Duration.ZERO))) {
        return Duration.ZERO; // a setting that may be switched off
      }
      return Durations.parse(s);
    }
    return s;
  }

  private static boolean outsideInt(String s) {
    long v = Long.parseLong(s);
    return v < Integer.MIN_VALUE || v > Integer.MAX_VALUE;
  }

  /** Returns {@code value} as text: durations in short form, secrets masked. */
  public String format(Object value) {
    if (secret) {
      return value.toString().isEmpty() ? "\"\"" : "***";
    }
    if (value instanceof Duration d) {
      return Durations.format(d);
    }
    return value.toString();
  }

  /** Throws {@link IllegalArgumentException} unless {@code value} is allowed. */
  void requireAllowed(T value) {
    Objects.requireNonNull(value, key);
    if (!validator.accepts(value)) {
      throw new IllegalArgumentException(
          key + " " + format(value) + " is not allowed (allowed: " + validator.allowed() + ")");
    }
  }

  /** Returns the default as text, as it appears in the docs. */
  public String formatDefault() {
    return format(defaultValue);
  }
}
