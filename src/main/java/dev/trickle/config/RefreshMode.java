package dev.trickle.config;

import java.util.Locale;

/** How a stream table is refreshed. */
public enum RefreshMode {
  /** Recompute the whole defining query. */
  FULL,
  /** Apply only the changes since the last refresh. */
  DIFFERENTIAL,
  /** Choose FULL or DIFFERENTIAL per refresh, by the size of the change. */
  AUTO;

  /**
   * Parses a mode, ignoring case.
   *
   * @param text e.g. {@code differential}
   * @return the mode
   * @throws IllegalArgumentException naming the valid modes
   */
  public static RefreshMode parse(String text) {
    try {
      return valueOf(text.strip().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "\"" + text + "\" is not a refresh mode (use FULL, DIFFERENTIAL or AUTO)", e);
    }
  }
}
