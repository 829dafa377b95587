package dev.trickle.service;

import dev.trickle.config.Durations;
import dev.trickle.config.MonitoringSettings;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The readiness rule on lag: not ready while some stream table's oldest unabsorbed source change
 * has waited longer than {@code pg_trickle.ready_max_lag} beyond the stream table's schedule (a
 * change waits for the schedule by design); the reason names the stream table that is latest, how
 * late, and the threshold.
 */
final class ReadyLag {
  private ReadyLag() {}

  /**
   * How long a stream table's oldest unabsorbed change has waited, and its schedule.
   *
   * @param lagMillis the wait so far
   * @param scheduleMillis the stream table's schedule
   */
  record Waiting(long lagMillis, long scheduleMillis) {
    long lateMillis() {
      return Math.max(0, lagMillis - scheduleMillis);
    }
  }

  /**
   * Why the pipeline is not ready because of lag, or empty.
   *
   * @param threshold {@code pg_trickle.ready_max_lag}; zero switches the check off
   * @param waiting each stream table's wait and schedule, by name
   * @return the reason, naming the stream table that is latest
   */
  static Optional<String> reason(Duration threshold, Map<String, Waiting> waiting) {
    if (threshold.isZero()) {
      return Optional.empty();
    }
    return waiting.entrySet().stream()
        .filter(e -> e.getValue().lateMillis() > threshold.toMillis())
        .max(
            java.util.Comparator.<Map.Entry<String, Waiting>>comparingLong(
                    e -> e.getValue().lateMillis())
                .thenComparing(Map.Entry.comparingByKey()))
        .map(
            worst ->
                "stream table "
                    + worst.getKey()
                    + " lags "
                    + worst.getValue().lateMillis()
                    + " ms behind its sources beyond its schedule (oldest unabsorbed change), over "
                    + MonitoringSettings.READY_MAX_LAG.flatName()
                    + " = "
                    + Durations.format(threshold));
  }
}
