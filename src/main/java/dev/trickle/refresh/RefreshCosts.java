package dev.trickle.refresh;

import java.util.Map;
import java.util.TreeMap;

/**
 * What refreshes of one stream table have cost, learned as they run (thread-safe, in memory): the
 * duration of a FULL refresh, and the duration per changed row of DIFFERENTIAL refreshes, by size
 * class of the delta (powers of two). AUTO asks it whether a FULL refresh is predicted cheaper than
 * applying a delta; it answers yes only from a DIFFERENTIAL refresh of a delta at least as large,
 * whose fixed costs are spread over as many rows, so a cheap small delta never makes a larger one
 * look expensive.
 */
public final class RefreshCosts {
  private static final double WEIGHT_OF_NEW = 0.5;

  private double fullMillis = Double.NaN;
  private final TreeMap<Integer, Double> millisPerRowBySize = new TreeMap<>();

  /**
   * Records a FULL refresh.
   *
   * @param millis how long it took
   */
  public synchronized void recordFull(double millis) {
    fullMillis = Double.isNaN(fullMillis) ? millis : blend(fullMillis, millis);
  }

  /**
   * Records a DIFFERENTIAL refresh.
   *
   * @param rows row changes in its delta
   * @param millis how long it took
   */
  public synchronized void recordDifferential(long rows, double millis) {
    if (rows <= 0) {
      return;
    }
    millisPerRowBySize.merge(sizeClass(rows), millis / rows, RefreshCosts::blend);
  }

  /**
   * Whether a FULL refresh is predicted to be cheaper than applying a delta of this many rows.
   *
   * @param rows row changes in the delta
   * @return false when there is not yet a FULL refresh and a DIFFERENTIAL one of this size or
   *     larger to compare
   */
  public synchronized boolean fullPredictedCheaper(long rows) {
    if (Double.isNaN(fullMillis)) {
      return false;
    }
    Map.Entry<Integer, Double> perRow = millisPerRowBySize.ceilingEntry(sizeClass(rows));
    return perRow != null && perRow.getValue() * rows > fullMillis;
  }

  private static int sizeClass(long rows) {
    return 63 - Long.numberOfLeadingZeros(Math.max(rows, 1));
  }

  private static double blend(double old, double now) {
    return old + WEIGHT_OF_NEW * (now - old);
  }
}
