package dev.trickle.observe;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;

/**
 * A stream table's commit-to-visible latency second by second: the samples of each interval (at
 * most {@value #MAX_PER_INTERVAL} kept) become one point with their count, median and 99th
 * percentile when the interval closes; the latest {@value #POINTS} points are kept. Seconds without
 * a sample make no point. Thread-safe.
 */
public final class LatencyHistory {
  /** Points kept: two minutes of one-second intervals. */
  static final int POINTS = 120;

  /** Samples of one interval kept for its percentiles (the count counts them all). */
  static final int MAX_PER_INTERVAL = 10_000;

  /**
   * One interval.
   *
   * @param atMillis when it closed (epoch milliseconds)
   * @param count samples in it
   * @param p50 their median, in milliseconds
   * @param p99 their 99th percentile (nearest rank), in milliseconds
   */
  public record Point(long atMillis, long count, double p50, double p99) {}

  private final ArrayDeque<Point> points = new ArrayDeque<>();
  private double[] open = new double[16];
  private int kept;
  private long counted;

  /** Adds a sample to the open interval. */
  public synchronized void record(double millis) {
    counted++;
    if (kept == MAX_PER_INTERVAL) {
      return;
    }
    if (kept == open.length) {
      open = Arrays.copyOf(open, Math.min(MAX_PER_INTERVAL, open.length * 2));
    }
    open[kept++] = millis;
  }

  /** Closes the open interval into a point, if it has samples. */
  public synchronized void close(long atMillis) {
    if (counted == 0) {
      return;
    }
    double[] v = Arrays.copyOf(open, kept);
    Arrays.sort(v);
    points.addLast(new Point(atMillis, counted, rank(v, 0.50), rank(v, 0.99)));
    if (points.size() > POINTS) {
      points.removeFirst();
    }
    kept = 0;
    counted = 0;
  }

  /** The points, oldest first. */
  public synchronized List<Point> points() {
    return List.copyOf(points);
  }

  private static double rank(double[] sorted, double p) {
    int r = (int) Math.ceil(p * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, r - 1))];
  }
}
