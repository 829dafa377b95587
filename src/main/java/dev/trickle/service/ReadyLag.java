package dev.trickle.service;

import dev.trickle.config.Durations;
import dev.trickle.config.MonitoringSettings;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The readiness rule on lag: not ready while some stream table's oldest unabsorbed source change
 * has waited longer than {@code pg_trickle.ready_max_lag}; the reason names the stream table that
 * lags most, its lag and the threshold.
 */
final class ReadyLag {
  private ReadyLag() {}

  /**
   * Why the pipeline is not ready because of lag, or empty.
   *
   * @param threshold {@code pg_trickle.ready_max_lag}; zero switches the check off
   * @param lagMillis each stream table's lag in milliseconds, by name
   * @return the reason, naming the stream table that lags most
   */
  static Optional<String> reason(Duration threshold, Map<String, Long> lagMillis) {
    if (threshold.isZero()) {
      return Optional.empty();
    }
    return lagMillis.entrySet().stream()
        .filter(e -> e.getValue() > threshold.toMillis())
        .max(Map.Entry.<String, Long>comparingByValue().thenComparing(Map.Entry.comparingByKey()))
        .map(
            worst ->
                "stream table "
                    + worst.getKey()
                    + " lags "
                    + worst.getValue()
                    + " ms behind its sources (oldest unabsorbed change), over "
                    + MonitoringSettings.READY_MAX_LAG.flatName()
                    + " = "
                    + Durations.format(threshold));
  }
}
