package dev.trickle.advisor;

import dev.trickle.config.Durations;
import dev.trickle.observe.RefreshLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToLongFunction;

/**
 * The configuration advisor's rules (seed QW-2), each a pure function of {@link Observations}. A
 * rule speaks only on evidence: enough samples or refreshes in the window, and a clear excess. A
 * healthy or idle service gets no recommendation. docs/OBSERVABILITY.md describes every rule.
 */
public final class Advisor {
  /** Samples (about one a second) the worker, lag and cache rules need. */
  static final int MIN_SAMPLES = 10;

  /** Refreshes of a stream table the schedule and chunk rules need. */
  static final int MIN_REFRESHES = 5;

  /** Refreshes ahead of schedule (memory outgrown) in the window that the memory rule needs. */
  static final int MIN_AHEAD_OF_SCHEDULE = 3;

  /** Share of samples with refreshes waiting while the pool is at max_workers. */
  static final double SATURATED_SHARE = 0.5;

  /** Share of samples with the change buffer at least 90% full, for the lag rule. */
  static final double BUFFER_FULL_SHARE = 0.3;

  /** WAL behind (at the end of the window) under which lag is not worth a word. */
  static final long LAG_FLOOR_BYTES = 4L * 1024 * 1024;

  /** Lookups the cache rule needs, and the miss share above which it speaks. */
  static final int MIN_CACHE_LOOKUPS = 20;

  static final double CACHE_MISS_SHARE = 0.2;

  /** Share of a stream table's refreshes that merged in more than one chunk. */
  static final double CHUNKED_SHARE = 0.5;

  private static final int MAX_WORKERS_LIMIT = 64;
  private static final int BUFFER_MAX_MB_LIMIT = 65_536;
  private static final int WORK_MEM_MB_LIMIT = 2_097_151;
  private static final int WORK_MEM_MB_ADVICE_CAP = 1024;
  private static final int MERGE_BATCH_SIZE_LIMIT = 100_000_000;
  private static final int L1_CACHE_LIMIT = 1_000_000;

  private Advisor() {}

  /**
   * The recommendations the observations support, settings of the whole service first, then each
   * stream table's, by name.
   */
  public static List<Recommendation> recommend(Observations o) {
    List<Recommendation> out = new ArrayList<>();
    workers(o).ifPresent(out::add);
    replicationLag(o).ifPresent(out::add);
    mergeBatchSize(o).ifPresent(out::add);
    templateCache(o).ifPresent(out::add);
    List<Recommendation> perTable = new ArrayList<>();
    o.streamTables()
        .forEach(
            (name, st) -> {
              schedule(name, st).ifPresent(perTable::add);
              memory(name, st, o).ifPresent(perTable::add);
            });
    perTable.sort(Comparator.comparing(Recommendation::gucName));
    out.addAll(perTable);
    return out;
  }

  /**
   * Refreshes wait for a worker while the pool runs all {@code max_workers}: more workers.
   * Refreshes that wait because their stream tables may use fewer workers (a {@code batch} preset)
   * do not count: the pool is then below max_workers.
   */
  static Optional<Recommendation> workers(Observations o) {
    List<Observations.Sample> s = o.samples();
    int max = o.limits().maxWorkers();
    if (s.size() < MIN_SAMPLES || max >= MAX_WORKERS_LIMIT) {
      return Optional.empty();
    }
    long saturated = s.stream().filter(x -> x.queueDepth() > 0 && x.targetWorkers() >= max).count();
    if (saturated < SATURATED_SHARE * s.size()) {
      return Optional.empty();
    }
    double meanQueue = s.stream().mapToInt(Observations.Sample::queueDepth).average().orElse(0);
    return doubled(
        "pg_trickle.max_workers",
        max,
        MAX_WORKERS_LIMIT,
        String.format(
            Locale.ROOT,
            "in %d%% of the last %s, due refreshes waited for a worker while all %d were"
                + " busy (%.1f waiting on average)",
            Math.round(100.0 * saturated / s.size()),
            Durations.format(Duration.ofMillis(roundSeconds(o.observedMillis()))),
            max,
            meanQueue));
  }

  /** A recommendation to double a global setting, up to its limit. */
  private static Optional<Recommendation> doubled(
      String guc, int current, int limit, String reason) {
    return Optional.of(
        new Recommendation(
            guc,
            Integer.toString(current),
            Integer.toString(Math.min(limit, current * 2)),
            reason));
  }

  /**
   * The WAL Trickle has not confirmed stays high while the change buffer is full: reading from the
   * slot pauses then, and the stream tables with pending changes are refreshed FULL to drain it
   * (reason {@code buffer_full}). A larger buffer lets them absorb the changes differentially.
   */
  static Optional<Recommendation> replicationLag(Observations o) {
    List<Observations.Sample> s = o.samples();
    int bufferMb = o.limits().bufferMaxMb();
    if (s.size() < MIN_SAMPLES || bufferMb >= BUFFER_MAX_MB_LIMIT) {
      return Optional.empty();
    }
    int third = s.size() / 3;
    double early = mean(s.subList(0, third), Observations.Sample::walBehindBytes);
    double late = mean(s.subList(s.size() - third, s.size()), Observations.Sample::walBehindBytes);
    if (late < LAG_FLOOR_BYTES) {
      return Optional.empty();
    }
    long full = s.stream().filter(x -> x.bufferBytes() * 10 >= bufferMb * 1024L * 1024 * 9).count();
    if (full < BUFFER_FULL_SHARE * s.size()) {
      return Optional.empty();
    }
    double seconds = Math.max(1, o.observedMillis()) / 1000.0;
    double trend = (late - early) / (seconds * 2 / 3) / (1024 * 1024);
    return doubled(
        "pg_trickle.buffer_max_mb",
        bufferMb,
        BUFFER_MAX_MB_LIMIT,
        String.format(
            Locale.ROOT,
            "the WAL not yet confirmed stayed high (%s on average lately, %s%.1f MB/s over the"
                + " last %s) while the %d MB change buffer was full in %d%% of samples: reading"
                + " from the slot pauses then, and stream tables are refreshed FULL to drain it",
            megabytes((long) late),
            trend >= 0 ? "+" : "",
            trend,
            Durations.format(Duration.ofMillis(roundSeconds(o.observedMillis()))),
            bufferMb,
            Math.round(100.0 * full / s.size())));
  }

  /**
   * Most refreshes of some stream table merge their delta in several chunks of {@code
   * merge_batch_size} rows: each chunk is one more MERGE over a delta materialized first, so a
   * batch size that holds the usual delta merges it in one.
   */
  static Optional<Recommendation> mergeBatchSize(Observations o) {
    int batch = o.limits().mergeBatchSize();
    long wanted = 0;
    List<String> tables = new ArrayList<>();
    for (Map.Entry<String, Observations.StreamTableActivity> e :
        new java.util.TreeMap<>(o.streamTables()).entrySet()) {
      List<RefreshLog.Refresh> r = e.getValue().refreshes();
      long chunked = r.stream().filter(x -> x.chunks() > 1).count();
      if (r.size() < MIN_REFRESHES || chunked < CHUNKED_SHARE * r.size()) {
        continue;
      }
      long p95 = percentile(r, RefreshLog.Refresh::deltaRows, 0.95);
      long maxChunks = r.stream().mapToLong(RefreshLog.Refresh::chunks).max().orElse(0);
      wanted = Math.max(wanted, p95);
      tables.add(
          String.format(
              Locale.ROOT,
              "%s (%d of %d refreshes, up to %d chunks, delta p95 %d rows)",
              e.getKey(),
              chunked,
              r.size(),
              maxChunks,
              p95));
    }
    if (tables.isEmpty() || batch >= MERGE_BATCH_SIZE_LIMIT) {
      return Optional.empty();
    }
    long recommended = Math.min(MERGE_BATCH_SIZE_LIMIT, Math.max(roundUp125(wanted), batch * 2L));
    return Optional.of(
        new Recommendation(
            "pg_trickle.merge_batch_size",
            Integer.toString(batch),
            Long.toString(recommended),
            "most refreshes merge their delta in several chunks, each one more MERGE over a"
                + " delta materialized first: "
                + String.join(", ", tables)
                + "; a batch that holds the usual delta merges it at once (if the stream tables'"
                + " memory allows it)"));
  }

  /**
   * Many template lookups miss the in-memory cache and it evicts: it holds fewer stream tables than
   * refresh, so each miss reads the catalog (or generates the SQL again).
   */
  static Optional<Recommendation> templateCache(Observations o) {
    List<Observations.Sample> s = o.samples();
    int entries = o.limits().l1CacheMaxEntries();
    if (s.size() < MIN_SAMPLES || entries >= L1_CACHE_LIMIT) {
      return Optional.empty();
    }
    Observations.Sample first = s.get(0);
    Observations.Sample last = s.get(s.size() - 1);
    long hits = last.cacheHits() - first.cacheHits();
    long misses = last.cacheMisses() - first.cacheMisses();
    long evictions = last.cacheEvictions() - first.cacheEvictions();
    long lookups = hits + misses;
    if (lookups < MIN_CACHE_LOOKUPS || misses < CACHE_MISS_SHARE * lookups || evictions == 0) {
      return Optional.empty();
    }
    long refreshing =
        o.streamTables().values().stream().filter(t -> !t.refreshes().isEmpty()).count();
    long recommended =
        Math.min(L1_CACHE_LIMIT, Math.max(entries * 2L, roundUp125(refreshing + refreshing / 4)));
    return Optional.of(
        new Recommendation(
            "pg_trickle.l1_cache_max_entries",
            Integer.toString(entries),
            Long.toString(recommended),
            String.format(
                Locale.ROOT,
                "%d%% of the last %d lookups of generated refresh SQL missed the in-memory cache"
                    + " and it evicted %d entries: it holds %d stream tables while %d refreshed",
                Math.round(100.0 * misses / lookups),
                lookups,
                evictions,
                entries,
                refreshing)));
  }

  /**
   * A stream table's refreshes take longer than its schedule (95th percentile): it refreshes back
   * to back and its changes wait anyway, so a schedule it can keep costs nothing in freshness.
   */
  static Optional<Recommendation> schedule(String name, Observations.StreamTableActivity st) {
    List<RefreshLog.Refresh> r = st.refreshes();
    if (r.size() < MIN_REFRESHES) {
      return Optional.empty();
    }
    long p95 = percentile(r, RefreshLog.Refresh::millis, 0.95);
    long scheduleMs = st.schedule().toMillis();
    if (p95 <= scheduleMs) {
      return Optional.empty();
    }
    Duration recommended = Duration.ofMillis(roundUp125(2 * p95));
    return Optional.of(
        new Recommendation(
            name + ".schedule",
            Durations.format(st.schedule()),
            Durations.format(recommended),
            String.format(
                Locale.ROOT,
                "95%% of its last %d refreshes took up to %d ms, longer than its %s schedule: it"
                    + " refreshes back to back",
                r.size(),
                p95,
                Durations.format(st.schedule()))));
  }

  /**
   * A stream table refreshes ahead of its schedule, again and again, because its buffered changes
   * outgrow its memory: enough memory to hold one schedule's worth of changes (capped at 1 GB, and
   * at least twice the memory now).
   */
  static Optional<Recommendation> memory(
      String name, Observations.StreamTableActivity st, Observations o) {
    List<Observations.Sample> s = o.samples();
    if (s.size() < 2 || st.workMemMb() >= WORK_MEM_MB_LIMIT) {
      return Optional.empty();
    }
    long ahead =
        s.get(s.size() - 1).aheadOfSchedule().getOrDefault(name, 0L)
            - s.get(0).aheadOfSchedule().getOrDefault(name, 0L);
    if (ahead < MIN_AHEAD_OF_SCHEDULE) {
      return Optional.empty();
    }
    double perSecond = ahead * 1000.0 / Math.max(1, o.observedMillis());
    double neededMb = st.workMemMb() * perSecond * st.schedule().toMillis() / 1000.0 * 1.25;
    long recommended =
        Math.min(
            Math.max(WORK_MEM_MB_ADVICE_CAP, st.workMemMb() * 2L),
            Math.max(st.workMemMb() * 2L, nextPowerOfTwo((long) Math.ceil(neededMb))));
    recommended = Math.min(recommended, WORK_MEM_MB_LIMIT);
    String reason =
        String.format(
            Locale.ROOT,
            "it refreshed %d times ahead of its %s schedule in the last %s because its buffered"
                + " changes outgrew its %d MB of memory; one schedule's changes take about %d MB",
            ahead,
            Durations.format(st.schedule()),
            Durations.format(Duration.ofMillis(roundSeconds(o.observedMillis()))),
            st.workMemMb(),
            (long) Math.ceil(neededMb));
    if (neededMb > recommended) {
      reason += ", more than is worth holding: consider a shorter schedule";
    }
    return Optional.of(
        new Recommendation(
            name + ".merge_work_mem_mb",
            Integer.toString(st.workMemMb()),
            Long.toString(recommended),
            reason));
  }

  /** The smallest of 1, 2, 5 × 10^k at or above a value (at least 1). */
  static long roundUp125(long value) {
    long p = 1;
    while (true) {
      for (long m : new long[] {1, 2, 5}) {
        if (m * p >= value) {
          return m * p;
        }
      }
      p *= 10;
    }
  }

  private static long nextPowerOfTwo(long value) {
    return value <= 1 ? 1 : Long.highestOneBit(value - 1) << 1;
  }

  private static long roundSeconds(long millis) {
    return Math.max(1000, Math.round(millis / 1000.0) * 1000);
  }

  /** The nearest-rank percentile of a refresh figure. */
  static long percentile(
      List<RefreshLog.Refresh> r, ToLongFunction<RefreshLog.Refresh> f, double p) {
    long[] v = r.stream().mapToLong(f).sorted().toArray();
    int rank = (int) Math.ceil(p * v.length);
    return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
  }

  private static double mean(List<Observations.Sample> s, ToLongFunction<Observations.Sample> f) {
    return s.stream().mapToLong(f).average().orElse(0);
  }

  private static String megabytes(long bytes) {
    return String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024));
  }
}
