package dev.trickle.refresh;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;

/**
 * What refreshes of one stream table have cost, learned as they run (thread-safe, in memory): the
 * duration of a FULL refresh, and the duration per changed row of DIFFERENTIAL refreshes, by size
 * class of the delta (powers of two). AUTO asks it which of the two is predicted cheaper for a
 * delta; where it has measured nothing comparable it says so, and the change ratio decides.
 *
 * <p>It predicts a delta's cost from DIFFERENTIAL refreshes of deltas at least as large, whose
 * fixed costs are spread over as many rows, so a cheap small delta never makes a larger one look
 * expensive; the estimate is the fastest of the last five such refreshes (timing noise only adds).
 * The cheaper prediction wins, except that one sample alone (perhaps a cold first run) predicts
 * FULL only when it is more than 1.5 times a FULL refresh; otherwise the delta is measured again. A
 * delta larger than any applied so far is extrapolated from the largest one (which overestimates:
 * fixed costs spread over fewer rows); when that comes within 1.5 times a FULL refresh, the delta
 * is applied once to measure it, even above the change ratio. After 50 FULL refreshes in a row a
 * delta is applied once to measure it again, so that an outlier cannot keep AUTO on FULL for good.
 * A FULL duration known only from the initial fill (cold caches, a new table) or from long ago is
 * measured again when a delta is predicted to cost at least half of it.
 */
public final class RefreshCosts {
  /** What AUTO should do with a delta, as far as costs go. */
  public enum Advice {
    /** Nothing comparable measured yet: the change ratio decides. */
    UNMEASURED,
    /** Apply the delta: predicted no costlier than a FULL refresh. */
    DIFFERENTIAL,
    /** Apply the delta once to measure it: a delta this large was never measured, or long ago. */
    PROBE_DIFFERENTIAL,
    /** Recompute: applying this delta is predicted to cost more. */
    FULL_CHEAPER,
    /** Recompute once to measure a FULL refresh again: the known duration is stale. */
    PROBE_FULL
  }

  private static final double WEIGHT_OF_NEW = 0.5;

  /** How much costlier than FULL an extrapolated delta may be and still be measured once. */
  static final double PROBE_MARGIN = 1.5;

  /** DIFFERENTIAL refreshes after which the FULL duration counts as stale. */
  static final int STALE_AFTER = 50;

  private double fullMillis = Double.NaN;
  private boolean fullFromInitialFill;
  private int differentialsSinceFull;
  private int fullsSinceDifferential;

  /** DIFFERENTIAL samples kept per size class. */
  static final int SAMPLES = 5;

  private final TreeMap<Integer, ArrayDeque<Double>> millisPerRowBySize = new TreeMap<>();

  /**
   * Records a FULL refresh.
   *
   * @param millis how long it took
   * @param initialFill whether it was the stream table's initial fill
   */
  public synchronized void recordFull(double millis, boolean initialFill) {
    if (Double.isNaN(fullMillis) || initialFill || fullFromInitialFill) {
      fullMillis = millis;
    } else {
      fullMillis = blend(fullMillis, millis);
    }
    fullFromInitialFill = initialFill;
    differentialsSinceFull = 0;
    fullsSinceDifferential++;
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
    ArrayDeque<Double> samples =
        millisPerRowBySize.computeIfAbsent(sizeClass(rows), c -> new ArrayDeque<>());
    if (samples.size() == SAMPLES) {
      samples.removeFirst();
    }
    samples.addLast(millis / rows);
    differentialsSinceFull++;
    fullsSinceDifferential = 0;
  }

  /**
   * Advises on a delta.
   *
   * @param rows row changes in the delta
   * @return the advice; UNMEASURED while there is no FULL duration or no DIFFERENTIAL refresh to
   *     compare
   */
  public synchronized Advice advise(long rows) {
    if (Double.isNaN(fullMillis) || millisPerRowBySize.isEmpty()) {
      return Advice.UNMEASURED;
    }
    Map.Entry<Integer, ArrayDeque<Double>> perRow =
        millisPerRowBySize.ceilingEntry(sizeClass(rows));
    if (perRow == null) {
      double extrapolated = fastest(millisPerRowBySize.lastEntry().getValue()) * rows;
      return extrapolated <= PROBE_MARGIN * fullMillis
          ? Advice.PROBE_DIFFERENTIAL
          : Advice.UNMEASURED;
    }
    double predicted = fastest(perRow.getValue()) * rows;
    if (fullFromInitialFill || differentialsSinceFull >= STALE_AFTER) {
      return predicted >= fullMillis / 2 ? Advice.PROBE_FULL : Advice.DIFFERENTIAL;
    }
    if (fullsSinceDifferential >= STALE_AFTER) {
      return Advice.PROBE_DIFFERENTIAL; // its estimate may be an old outlier
    }
    if (predicted <= fullMillis) {
      return Advice.DIFFERENTIAL;
    }
    // one sample may be a cold first run of a delta this size: it condemns deltas only when it
    // is far off
    return perRow.getValue().size() < 2 && predicted <= PROBE_MARGIN * fullMillis
        ? Advice.PROBE_DIFFERENTIAL
        : Advice.FULL_CHEAPER;
  }

  /** The fastest recent sample: timing noise (GC, scheduling, cold caches) only ever adds. */
  private static double fastest(ArrayDeque<Double> samples) {
    return samples.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
  }

  private static int sizeClass(long rows) {
    return 63 - Long.numberOfLeadingZeros(Math.max(rows, 1));
  }

  private static double blend(double old, double now) {
    return old + WEIGHT_OF_NEW * (now - old);
  }
}
