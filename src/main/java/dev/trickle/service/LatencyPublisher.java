package dev.trickle.service;

import dev.trickle.catalog.CatalogStore;
import dev.trickle.observe.LatencyStats;
import dev.trickle.observe.Metrics;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes each stream table's commit-to-visible latency to {@code pgtrickle.pgt_commit_latency}
 * (read by {@code pgtrickle.commit_latency_stats()}), for the stream tables that had new samples
 * since the last time: an idle pipeline writes nothing. Called from one thread.
 */
final class LatencyPublisher {
  private static final Logger log = LoggerFactory.getLogger(LatencyPublisher.class);

  private final Database db;
  private final Metrics metrics;
  private final Map<String, Long> published = new HashMap<>();

  LatencyPublisher(Database db, Metrics metrics) {
    this.db = db;
    this.metrics = metrics;
  }

  /** Closes the latency history's interval, and writes what changed since the last call. */
  void publish() {
    metrics.closeLatencyInterval(System.currentTimeMillis());
    // percentiles (a sort of the window) only for the stream tables with new samples
    Map<String, LatencyStats.Summary> changed = new HashMap<>();
    metrics
        .latencyStats()
        .forEach(
            (st, stats) -> {
              if (!Long.valueOf(stats.count()).equals(published.get(st))) {
                changed.put(st, stats.summary());
              }
            });
    if (changed.isEmpty()) {
      return;
    }
    try (Connection conn = db.connect()) {
      for (Map.Entry<String, LatencyStats.Summary> e : changed.entrySet()) {
        CatalogStore.saveLatency(conn, e.getKey(), e.getValue());
        published.put(e.getKey(), e.getValue().count());
      }
    } catch (SQLException | RuntimeException e) {
      log.warn("cannot publish commit-to-visible latency: {}", e.getMessage());
    }
  }
}
