package dev.trickle.model;

import java.util.Arrays;
import java.util.StringJoiner;

/**
 * A PostgreSQL MVCC snapshot as returned by {@code pg_current_snapshot()}: {@code xmin:xmax:xip}. A
 * stream table's frontier is the snapshot its contents were computed in; a transaction is "inside"
 * the frontier exactly when it is visible in that snapshot.
 *
 * <p>Transaction ids here are 64-bit ({@code xid8}); the 32-bit ids that pgoutput sends are widened
 * with {@link #widen(int)} relative to this snapshot's {@code xmax}.
 */
public final class PgSnapshot {
  private final long xmin;
  private final long xmax;
  private final long[] xip;

  private PgSnapshot(long xmin, long xmax, long[] xip) {
    if (Long.compareUnsigned(xmin, xmax) > 0) {
      throw new IllegalArgumentException("xmin " + xmin + " is after xmax " + xmax);
    }
    this.xmin = xmin;
    this.xmax = xmax;
    this.xip = xip.clone();
    Arrays.sort(this.xip);
  }

  /**
   * Builds a snapshot from its parts.
   *
   * @param xmin oldest transaction still running
   * @param xmax first transaction id not yet assigned
   * @param xip transaction ids running when the snapshot was taken
   * @return the snapshot
   */
  public static PgSnapshot of(long xmin, long xmax, long... xip) {
    return new PgSnapshot(xmin, xmax, xip);
  }

  /**
   * Parses PostgreSQL's text form, e.g. {@code 10:20:10,14,15}.
   *
   * @param text the snapshot text
   * @return the snapshot
   * @throws IllegalArgumentException if the text is not a snapshot
   */
  public static PgSnapshot parse(String text) {
    String[] parts = text.trim().split(":", -1);
    if (parts.length != 3) {
      throw new IllegalArgumentException("not a snapshot: " + text);
    }
    long[] xip =
        parts[2].isEmpty()
            ? new long[0]
            : Arrays.stream(parts[2].split(",")).mapToLong(Long::parseLong).toArray();
    return new PgSnapshot(Long.parseLong(parts[0]), Long.parseLong(parts[1]), xip);
  }

  /** Oldest transaction id still running when the snapshot was taken. */
  public long xmin() {
    return xmin;
  }

  /** First transaction id unassigned when the snapshot was taken. */
  public long xmax() {
    return xmax;
  }

  /**
   * Whether a committed transaction is visible in this snapshot.
   *
   * @param xid 64-bit transaction id of a committed transaction
   * @return true when its effects are part of the snapshot
   */
  public boolean isVisible(long xid) {
    if (xid < xmin) {
      return true;
    }
    if (xid >= xmax) {
      return false;
    }
    return Arrays.binarySearch(xip, xid) < 0;
  }

  /**
   * Widens a 32-bit transaction id (as pgoutput sends it) to the 64-bit id nearest to this
   * snapshot's {@code xmax}. Transactions that can still be decoded are never 2^31 ids apart, so
   * the nearest one is the right one.
   *
   * @param xid32 the 32-bit id
   * @return the 64-bit id
   */
  public long widen(int xid32) {
    int delta = xid32 - (int) xmax;
    return xmax + delta;
  }

  /** Whether a pgoutput transaction id is visible; see {@link #widen(int)}. */
  public boolean isVisible32(int xid32) {
    return isVisible(widen(xid32));
  }

  /**
   * Whether every transaction visible in {@code older} is visible here too.
   *
   * @param older the snapshot to compare with
   * @return true when this snapshot includes {@code older}
   */
  public boolean includes(PgSnapshot older) {
    if (xmax < older.xmax || xmin < older.xmin) {
      return false;
    }
    for (long x : xip) {
      if (x < older.xmax && older.isVisible(x)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PgSnapshot s
        && s.xmin == xmin
        && s.xmax == xmax
        && Arrays.equals(s.xip, xip);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(xmin) * 31 + Long.hashCode(xmax) * 17 + Arrays.hashCode(xip);
  }

  @Override
  public String toString() {
    StringJoiner j = new StringJoiner(",");
    for (long x : xip) {
      j.add(Long.toString(x));
    }
    return xmin + ":" + xmax + ":" + j;
  }
}
