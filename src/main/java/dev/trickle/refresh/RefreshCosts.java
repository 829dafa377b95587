package dev.trickle.refresh;

import java.util.ArrayDeque;
import java.util.Map;
import java.util.TreeMap;

/**
 * What refreshes of one stream table have cost, learned as they run (thread-safe, in memory): the
 * duration of a FULL refresh, and the duration per changed row of DIFFERENTIAL refreshes, by size
 * class of the delta (powers of two). AUTO asks it whether a FULL refresh is predicted cheaper than
 * applying a delta. It answers only from a DIFFERENTIAL refresh of a delta at least as large, whose
 * fixed costs are spread over as many rows, so a cheap small delta never makes a larger one look
 * expensive; its estimate is the fastest of the last five such refreshes (timing noise only adds),
 * and after 50 FULL refreshes in a row a delta is applied once to measure it again, so that an
 * outlier cannot keep AUTO on FULL for good. A FULL duration known only from the initial fill (cold
 * caches, a new table) or from long ago is measured again when a delta is predicted to cost at
 * least half of it. FULL is preferred only when a delta is predicted to cost more than 1.2 times a
 * FULL refresh: within that margin applying the delta is as good, and writes less.
 */
public final class RefreshCosts {
  /** What AUTO should do with a delta, as far as costs go. */
  public enum Advice {
    /** Apply the delta (nothing suggests otherwise). */
    DIFFERENTIAL,
    /** Recompute: applying this delta is predicted to cost more. */
    FULL_CHEAPER,
    /** Recompute once to measure a FULL refresh again: the known duration is stale. */
    PROBE_FULL
  }

  private static final double WEIGHT_OF_NEW = 0.5;

  /** How much costlier than FULL a delta must be predicted before FULL is preferred. */
  static final double FULL_MARGIN = 1.2;

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
   * @return the advice; DIFFERENTIAL while there is no FULL duration and no DIFFERENTIAL refresh of
   *     this size or larger to compare
   */
  public synchronized Advice advise(long rows) {
    Map.Entry<Integer, ArrayDeque<Double>> perRow =
        millisPerRowBySize.ceilingEntry(sizeClass(rows));
    if (Double.isNaN(fullMillis) || perRow == null) {
      return Advice.DIFFERENTIAL;
    }
    // the fastest recent sample: timing noise (GC, scheduling, cold caches) only ever adds
    double predicted =
        perRow.getValue().stream().mapToDouble(Double::doubleValue).min().orElseThrow() * rows;
    if (fullFromInitialFill || differentialsSinceFull >= STALE_AFTER) {
      return predicted >= fullMillis / 2 ? Advice.PROBE_FULL : Advice.DIFFERENTIAL;
    }
    if (fullsSinceDifferential >= STALE_AFTER) {
      return Advice.DIFFERENTIAL; // measure a delta again: its estimate may be an old outlier
    }
    return predicted > FULL_MARGIN * fullMillis ? Advice.FULL_CHEAPER : Advice.DIFFERENTIAL;
  }

  private static int sizeClass(long rows) {
    return 63 - Long.numberOfLeadingZeros(Math.max(rows, 1));
  }

  private static double blend(double old, double now) {
    return old + WEIGHT_OF_NEW * (now - old);
  }
}
