package dev.trickle.faults;

import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Places where the reliability tests stop the process dead, as {@code kill -9} would: no shutdown
 * hook runs, open transactions are left for the server to roll back, nothing is confirmed. A JVM
 * started with the system property {@code trickle.crash.at=POINT[:N]} halts with exit code {@value
 * #EXIT_CODE} the N-th time (default 1) it reaches POINT; without the property every call is a
 * no-op. docs/RELIABILITY.md lists the tests that use them.
 */
public final class CrashPoints {
  /** The system property that arms one point. */
  public static final String PROPERTY = "trickle.crash.at";

  /** Exit code of a halt at a crash point (as a process killed by SIGKILL reports). */
  public static final int EXIT_CODE = 137;

  /** Where a refresh or the slot keeper may be stopped. */
  public enum Point {
    /** The delta is loaded in the refresh transaction; nothing merged yet. */
    BEFORE_MERGE,
    /** Some chunks of a chunked MERGE are applied in the open transaction, not all. */
    BETWEEN_CHUNKS,
    /** The refresh committed (rows and frontier); the change store and slot know nothing yet. */
    AFTER_COMMIT,
    /** The slot position is recorded in the catalog; the server is not told yet. */
    AFTER_SLOT_RECORD
  }

  private static final Armed ARMED = Armed.parse(System.getProperty(PROPERTY));

  private CrashPoints() {}

  /**
   * Halts the JVM when this is the armed point's N-th visit.
   *
   * @param point the point reached
   */
  public static void reached(Point point) {
    if (ARMED != null && ARMED.hit(point)) {
      System.err.println("trickle: halting at crash point " + point + " (" + PROPERTY + ")");
      System.err.flush();
      Runtime.getRuntime().halt(EXIT_CODE);
    }
  }

  /** One armed point and how many visits it lets pass. */
  record Armed(Point point, long n, AtomicLong visits) {
    /**
     * Reads {@code POINT[:N]}, the point named as in {@link Point} in any case.
     *
     * @return the armed point, or null when the property is absent or empty
     * @throws IllegalArgumentException when the value names no point or N is not positive
     */
    static Armed parse(String value) {
      if (value == null || value.isBlank()) {
        return null;
      }
      int colon = value.indexOf(':');
      String name = (colon < 0 ? value : value.substring(0, colon)).trim();
      long n = colon < 0 ? 1 : Long.parseLong(value.substring(colon + 1).trim());
      if (n < 1) {
        throw new IllegalArgumentException(PROPERTY + ": N must be at least 1 in " + value);
      }
      return new Armed(Point.valueOf(name.toUpperCase(Locale.ROOT)), n, new AtomicLong());
    }

    boolean hit(Point reached) {
      return reached == point && visits.incrementAndGet() == n;
    }
  }
}
