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
 * expensive; the estimate is the fastest of the last five such refreshes (timing noise only adds),
 * and so is a FULL refresh's. The cheaper prediction wins, except that fewer than three samples (a
 * cold first run, noise) predict FULL only when more than 1.5 times a FULL refresh; otherwise the
 * delta is measured again. A delta larger than any applied so far is extrapolated from the largest
 * one (which overestimates: fixed costs spread over fewer rows); when that comes within 1.5 times a
 * FULL refresh, the delta is applied once to measure it, even above the change ratio. After 50 FULL
 * refreshes in a row a delta is applied once to measure it again, so that an outlier cannot keep
 * AUTO on FULL for good. A FULL duration from long ago is measured again when a delta is predicted
 * to cost at least half of it; one known only from the initial fill (cold caches, a new table:
 * often several times slower than later FULL refreshes) when a delta is predicted to cost at least
 * an eighth of it.
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

  /** How much costlier than FULL an extrapolated delta may be and still be measured once. */
  static final double PROBE_MARGIN = 1.5;

  /** DIFFERENTIAL refreshes after which the FULL duration counts as stale. */
  static final int STALE_AFTER = 50;

  /** The last FULL durations (only the initial fill's, until another FULL refresh ran). */
  private final ArrayDeque<Double> fullSamples = new ArrayDeque<>();

  private boolean fullFromInitialFill;
  private int differentialsSinceFull;
  private int fullsSinceDifferential;

  /** DIFFERENTIAL samples kept per size class. */
  static final int SAMPLES = 5;

  /** Samples of a size class needed before a prediction within the probe margin means FULL. */
  static final int TRUSTED_SAMPLES = 3;

  private final TreeMap<Integer, ArrayDeque<Double>> millisPerRowBySize = new TreeMap<>();

  /**
   * Records a FULL refresh.
   *
   * @param millis how long it took
   * @param initialFill whether it was the stream table's initial fill
   */
  public synchronized void recordFull(double millis, boolean initialFill) {
    if (initialFill || fullFromInitialFill || differentialsSinceFull >= STALE_AFTER) {
      // the initial fill (cold caches) and durations from long ago are no guide to this one
      fullSamples.clear();
    } else if (fullSamples.size() == SAMPLES) {
      fullSamples.removeFirst();
    }
    fullSamples.addLast(millis);
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

  /** Whether the latest refresh recorded was a FULL one. */
  public synchronized boolean lastWasFull() {
    return fullsSinceDifferential > 0;
  }

  /**
   * Advises on a delta.
   *
   * @param rows row changes in the delta
   * @return the advice; UNMEASURED while there is no FULL duration or no DIFFERENTIAL refresh to
   *     compare
   */
  public synchronized Advice advise(long rows) {
    if (fullSamples.isEmpty() || millisPerRowBySize.isEmpty()) {
      return Advice.UNMEASURED;
    }
    double fullMillis = fastest(fullSamples);
    Map.Entry<Integer, ArrayDeque<Double>> perRow =
        millisPerRowBySize.ceilingEntry(sizeClass(rows));
    if (perRow == null) {
      double extrapolated = fastest(millisPerRowBySize.lastEntry().getValue()) * rows;
      return extrapolated <= PROBE_MARGIN * fullMillis
          ? Advice.PROBE_DIFFERENTIAL
          : Advice.UNMEASURED;
    }
    double predicted = fastest(perRow.getValue()) * rows;
    if (fullFromInitialFill) {
      return predicted >= fullMillis / 8 ? Advice.PROBE_FULL : Advice.DIFFERENTIAL;
    }
    if (differentialsSinceFull >= STALE_AFTER) {
      return predicted >= fullMillis / 2 ? Advice.PROBE_FULL : Advice.DIFFERENTIAL;
    }
    if (fullsSinceDifferential >= STALE_AFTER) {
      return Advice.PROBE_DIFFERENTIAL; // its estimate may be an old outlier
    }
    if (predicted <= fullMillis) {
      return Advice.DIFFERENTIAL;
    }
    // one or two samples may be a cold first run and noise: they condemn deltas only when far off
    return perRow.getValue().size() < TRUSTED_SAMPLES && predicted <= PROBE_MARGIN * fullMillis
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
}
