package dev.trickle.observe;

import java.util.Arrays;

/**
 * A bounded window of the most recent latency samples of one stream table, for percentiles that the
 * CLI, the demo and the API can print. Thread-safe.
 */
public final class LatencyStats {
  private final double[] ring;
  private long count;
  private double max;

  /**
   * Creates a window.
   *
   * @param capacity samples kept
   */
  public LatencyStats(int capacity) {
    this.ring = new double[capacity];
  }

  /** Adds a sample in milliseconds. */
  public synchronized void record(double millis) {
    ring[(int) (count % ring.length)] = millis;
    count++;
    max = Math.max(max, millis);
  }

  /**
   * A snapshot of the window.
   *
   * @param count samples ever recorded
   * @param p50 median of the window
   * @param p95 95th percentile of the window
   * @param p99 99th percentile of the window
   * @param max largest sample ever recorded
   */
  public record Summary(long count, double p50, double p95, double p99, double max) {}

  /** Samples ever recorded (cheap: no percentiles computed). */
  public synchronized long count() {
    return count;
  }

  /** Percentiles over the window. */
  public synchronized Summary summary() {
    int n = (int) Math.min(count, ring.length);
    if (n == 0) {
      return new Summary(0, 0, 0, 0, 0);
    }
    double[] s = Arrays.copyOf(ring, n);
    Arrays.sort(s);
    return new Summary(count, at(s, 0.50), at(s, 0.95), at(s, 0.99), max);
  }

  private static double at(double[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
