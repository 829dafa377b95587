package dev.trickle.observe;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The metrics Trickle publishes. Names follow Prometheus conventions after Micrometer's conversion
 * (dots become underscores, timers gain {@code _seconds}, counters {@code _total}); the seed's
 * histogram keeps its exact name {@code pg_trickle_commit_to_visible_ms}.
 */
public final class Metrics {
  /** Histogram of source commit to stream-table visibility, in milliseconds. */
  public static final String COMMIT_TO_VISIBLE = "pg_trickle_commit_to_visible_ms";

  private static final double[] LATENCY_BUCKETS_MS = {
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 30_000, 60_000, 300_000,
    900_000
  };

  private final PrometheusMeterRegistry registry;
  private final Map<String, DistributionSummary> latency = new ConcurrentHashMap<>();
  private final Map<String, LatencyStats> stats = new ConcurrentHashMap<>();
  private final RefreshLog refreshLog = new RefreshLog();
  private final Map<String, LatencyHistory> history = new ConcurrentHashMap<>();

  /** What function counters read: Micrometer holds them weakly, so they are held here. */
  private final Map<io.micrometer.core.instrument.Meter.Id, Supplier<Number>> counted =
      new ConcurrentHashMap<>();

  /** False when nothing is recorded ({@link #off()}). */
  private final boolean on;

  /** Creates a registry. */
  public Metrics() {
    this(true);
  }

  private Metrics(boolean on) {
    this.on = on;
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    if (!on) {
      registry.config().meterFilter(io.micrometer.core.instrument.config.MeterFilter.deny());
    }
  }

  /**
   * Metrics that record nothing: every meter is a no-op, and no latency sample or refresh is kept.
   * For the benchmark that measures what observing costs (docs/BENCHMARKS.md).
   */
  public static Metrics off() {
    return new Metrics(false);
  }

  /** The underlying registry. */
  public MeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }

  /**
   * Records that a source transaction became visible in a stream table.
   *
   * @param streamTable the stream table
   * @param millis milliseconds from the source commit to the refresh commit
   */
  public void commitToVisible(String streamTable, double millis) {
    if (!on) {
      return;
    }
    latency
        .computeIfAbsent(
            streamTable,
            st ->
                DistributionSummary.builder(COMMIT_TO_VISIBLE)
                    .description(
                        "Time from a source transaction's commit to the commit of the refresh that made it visible")
                    .tag("stream_table", st)
                    .serviceLevelObjectives(LATENCY_BUCKETS_MS)
                    .register(registry))
        .record(Math.max(0, millis));
    stats.computeIfAbsent(streamTable, st -> new LatencyStats(10_000)).record(Math.max(0, millis));
    history.computeIfAbsent(streamTable, st -> new LatencyHistory()).record(Math.max(0, millis));
  }

  /** The commit-to-visible sample windows per stream table (a live, read-only view). */
  public Map<String, LatencyStats> latencyStats() {
    return java.util.Collections.unmodifiableMap(stats);
  }

  /**
   * Forgets a dropped stream table: its latency histogram, percentiles and history, and its recent
   * refreshes.
   */
  public void forget(String streamTable) {
    DistributionSummary summary = latency.remove(streamTable);
    if (summary != null) {
      registry.remove(summary);
    }
    stats.remove(streamTable);
    history.remove(streamTable);
    refreshLog.forget(streamTable);
  }

  /** Closes the current one-second interval of every stream table's latency history. */
  public void closeLatencyInterval(long atMillis) {
    history.values().forEach(h -> h.close(atMillis));
  }

  /** Commit-to-visible latency second by second per stream table (the last two minutes). */
  public Map<String, List<LatencyHistory.Point>> latencyHistory() {
    Map<String, List<LatencyHistory.Point>> out = new java.util.TreeMap<>();
    history.forEach((k, v) -> out.put(k, v.points()));
    return out;
  }

  /** Recent commit-to-visible percentiles per stream table. */
  public Map<String, LatencyStats.Summary> latencySummaries() {
    Map<String, LatencyStats.Summary> out = new java.util.TreeMap<>();
    stats.forEach((k, v) -> out.put(k, v.summary()));
    return out;
  }

  /** The recent refreshes of each stream table, for the configuration advisor. */
  public RefreshLog refreshLog() {
    return refreshLog;
  }

  /**
   * Records a successful refresh.
   *
   * @param streamTable the stream table
   * @param mode the mode applied
   * @param took how long it took
   * @param rows rows it changed in the stream table
   * @param deltaRows rows in its delta (0 for FULL)
   * @param chunks MERGE statements its delta took (0 for FULL)
   */
  public void refresh(
      String streamTable, String mode, Duration took, long rows, long deltaRows, long chunks) {
    if (!on) {
      return;
    }
    refreshLog.record(
        streamTable,
        new RefreshLog.Refresh(System.currentTimeMillis(), took.toMillis(), deltaRows, chunks));
    Timer.builder("pg_trickle.refresh.duration")
        .description("Duration of stream table refreshes")
        .tag("stream_table", streamTable)
        .tag("mode", mode)
        .tag("status", "success")
        .register(registry)
        .record(took);
    Counter.builder("pg_trickle.refresh.rows")
        .description("Rows changed in stream tables by refreshes")
        .tag("stream_table", streamTable)
        .tag("mode", mode)
        .register(registry)
        .increment((double) rows);
  }

  /**
   * Counts something that happened to a stream table: a failed refresh ({@code
   * pg_trickle.refresh.errors}), a suspension ({@code pg_trickle.suspensions}), a remediation
   * ({@code pg_trickle.remediations}, with its reason).
   *
   * @param name the counter
   * @param description what it counts
   * @param streamTable the stream table
   * @param reason the remediation's reason code, or null
   */
  public void streamTableEvent(String name, String description, String streamTable, String reason) {
    Counter.Builder b =
        Counter.builder(name).description(description).tag("stream_table", streamTable);
    if (reason != null) {
      b = b.tag("reason", reason);
    }
    b.register(registry).increment();
  }

  /**
   * Records a lookup in the catalog-level template cache (after a miss in memory).
   *
   * @param hit whether the catalog had the stream table's templates
   */
  public void templateCatalogLookup(boolean hit) {
    Counter.builder("pg_trickle.template.catalog.lookups")
        .description("Lookups of generated refresh SQL in the catalog after an in-memory miss")
        .tag("result", hit ? "hit" : "miss")
        .register(registry)
        .increment();
  }

  /**
   * Records that a start-up found a possible gap in the change stream and fills the slot's stream
   * tables again.
   *
   * @param reason {@code slot_dropped}, {@code slot_moved} or {@code slot_invalidated}
   */
  public void slotGap(String reason) {
    Counter.builder("pg_trickle.slot.gaps")
        .description(
            "Start-ups that found the slot dropped, moved or invalidated and filled its stream"
                + " tables again")
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  /**
   * Registers a gauge of one stream table (tag {@code stream_table}), read on every scrape.
   *
   * @return its id, for {@link #remove}
   */
  public io.micrometer.core.instrument.Meter.Id streamTableGauge(
      String name, String description, String streamTable, Supplier<Number> value) {
    return Gauge.builder(name, value)
        .description(description)
        .tag("stream_table", streamTable)
        .register(registry)
        .getId();
  }

  /**
   * Registers a counter of one stream table (tag {@code stream_table}) whose running total is read
   * on every scrape.
   *
   * @return its id, for {@link #remove}
   */
  public io.micrometer.core.instrument.Meter.Id streamTableCounter(
      String name, String description, String streamTable, Supplier<Number> total) {
    var id =
        io.micrometer.core.instrument.FunctionCounter.builder(
                name, total, t -> t.get().doubleValue())
            .description(description)
            .tag("stream_table", streamTable)
            .register(registry)
            .getId();
    counted.put(id, total);
    return id;
  }

  /**
   * The running total of the counters of a name with the given tags ({@code key, value, ...}), 0
   * when there is none yet.
   */
  public long total(String name, String... tags) {
    var search = registry.find(name).tags(tags);
    double sum = 0;
    for (var c : search.functionCounters()) {
      sum += c.count();
    }
    for (var c : search.counters()) {
      sum += c.count();
    }
    return (long) sum;
  }

  /** Removes a meter (of a stream table that is gone). */
  public void remove(io.micrometer.core.instrument.Meter.Id id) {
    registry.remove(id);
    counted.remove(id);
  }

  /** Registers a gauge read on every scrape. */
  public void gauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description).register(registry);
  }
}
