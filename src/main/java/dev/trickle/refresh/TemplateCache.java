package dev.trickle.refresh;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.trickle.dvm.RefreshSql;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.cache.CaffeineCacheMetrics;

/**
 * The in-memory cache of generated refresh SQL (seed QW-5): per stream table and query version, at
 * most {@code pg_trickle.l1_cache_max_entries} entries (Caffeine, least recently used evicted
 * first), in front of the catalog-level cache that {@link Loader} reads (and which generates the
 * SQL again when the catalog no longer has it). Hits, misses and evictions are exported as {@code
 * cache_gets_total}, {@code cache_evictions_total} and {@code cache_size} with the tag {@code
 * cache="pg_trickle_templates"}.
 */
public final class TemplateCache {
  /** The metrics tag value naming this cache. */
  public static final String NAME = "pg_trickle_templates";

  /**
   * A cache key.
   *
   * @param streamTableId the stream table
   * @param version its query version
   */
  public record Key(long streamTableId, String version) {}

  /** Reads templates that are not in memory: from the catalog, or generated again. */
  @FunctionalInterface
  public interface Loader {
    /**
     * Loads a stream table's templates.
     *
     * @param st the stream table
     * @return its refresh SQL
     * @throws Exception when it can neither be read nor generated
     */
    RefreshSql load(StreamTable st) throws Exception;
  }

  private final Cache<Key, RefreshSql> cache;
  private final Loader loader;

  /**
   * Creates the cache.
   *
   * @param maxEntries the most entries kept
   * @param loader reads missing entries
   * @param registry where hit, miss and eviction counts go
   */
  public TemplateCache(int maxEntries, Loader loader, MeterRegistry registry) {
    // maintenance (eviction) on the calling thread: the cap holds as soon as put returns
    this.cache =
        Caffeine.newBuilder().maximumSize(maxEntries).executor(Runnable::run).recordStats().build();
    this.loader = loader;
    CaffeineCacheMetrics.monitor(registry, cache, NAME);
  }

  /**
   * A stream table's refresh SQL, loaded when not in memory.
   *
   * @param st the stream table
   * @return its refresh SQL
   * @throws Exception when a missing entry cannot be loaded
   */
  public RefreshSql get(StreamTable st) throws Exception {
    Key key = new Key(st.id(), st.templateVersion());
    RefreshSql sql = cache.getIfPresent(key);
    if (sql == null) {
      sql = loader.load(st);
      cache.put(key, sql);
      // a put racing another thread's put may leave its eviction to the next cache operation,
      // which may never come; drain now so that the cap (and the size metric) holds on return
      cache.cleanUp();
    }
    return sql;
  }

  /**
   * Forgets a stream table's entries.
   *
   * @param streamTableId the stream table
   */
  public void invalidate(long streamTableId) {
    cache.asMap().keySet().removeIf(k -> k.streamTableId() == streamTableId);
  }

  /** Entries held now (after pending evictions). */
  public long size() {
    cache.cleanUp();
    return cache.estimatedSize();
  }
}
