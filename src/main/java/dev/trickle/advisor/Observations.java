package dev.trickle.advisor;

import dev.trickle.observe.RefreshLog;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What the advisor looks at: the limits in effect, one sample of the service per second over the
 * window (oldest first), and each stream table's settings and recent refreshes.
 *
 * @param limits the global settings the rules weigh against
 * @param samples the service sampled about once a second, oldest first
 * @param streamTables each stream table by name
 */
public record Observations(
    Limits limits, List<Sample> samples, Map<String, StreamTableActivity> streamTables) {

  /** Copies the collections. */
  public Observations {
    samples = List.copyOf(samples);
    streamTables = Map.copyOf(streamTables);
  }

  /**
   * The global settings in effect.
   *
   * @param maxWorkers {@code pg_trickle.max_workers}
   * @param bufferMaxMb {@code pg_trickle.buffer_max_mb}
   * @param mergeBatchSize {@code pg_trickle.merge_batch_size}
   * @param l1CacheMaxEntries {@code pg_trickle.l1_cache_max_entries}
   */
  public record Limits(
      int maxWorkers, int bufferMaxMb, int mergeBatchSize, int l1CacheMaxEntries) {}

  /**
   * The service at one moment. The cache and ahead-of-schedule figures are running totals since the
   * service started.
   *
   * @param atMillis when (epoch milliseconds)
   * @param activeWorkers refresh workers busy
   * @param targetWorkers refresh workers the pool may run
   * @param queueDepth due refreshes waiting for a worker
   * @param walBehindBytes WAL the server has written that Trickle has not confirmed
   * @param bufferBytes bytes of buffered changes
   * @param cacheHits lookups the in-memory template cache answered
   * @param cacheMisses lookups it did not
   * @param cacheEvictions entries it evicted
   * @param aheadOfSchedule refreshes each stream table started before its schedule because its
   *     buffered changes outgrew its memory
   */
  public record Sample(
      long atMillis,
      int activeWorkers,
      int targetWorkers,
      int queueDepth,
      long walBehindBytes,
      long bufferBytes,
      long cacheHits,
      long cacheMisses,
      long cacheEvictions,
      Map<String, Long> aheadOfSchedule) {

    /** Copies the map. */
    public Sample {
      aheadOfSchedule = Map.copyOf(aheadOfSchedule);
    }
  }

  /**
   * A stream table's settings and what its refreshes did within the window.
   *
   * @param schedule its schedule
   * @param workMemMb its memory in megabytes
   * @param refreshes its successful refreshes within the window, oldest first
   */
  public record StreamTableActivity(
      Duration schedule, int workMemMb, List<RefreshLog.Refresh> refreshes) {

    /** Copies the list. */
    public StreamTableActivity {
      refreshes = List.copyOf(refreshes);
    }
  }

  /** Milliseconds between the first and the last sample (0 with fewer than two). */
  public long observedMillis() {
    return samples.size() < 2
        ? 0
        : samples.get(samples.size() - 1).atMillis() - samples.get(0).atMillis();
  }
}
