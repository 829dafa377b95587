package dev.trickle.observe;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The most recent successful refreshes of each stream table (at most {@value #PER_STREAM_TABLE}),
 * for the configuration advisor: when, how long, how big a delta, how many MERGE chunks.
 * Thread-safe.
 */
public final class RefreshLog {
  /** Refreshes kept per stream table. */
  static final int PER_STREAM_TABLE = 512;

  /**
   * One refresh.
   *
   * @param atMillis when it finished (epoch milliseconds)
   * @param millis how long it took
   * @param deltaRows rows in its delta (0 for FULL)
   * @param chunks MERGE statements its delta took (0 for FULL)
   */
  public record Refresh(long atMillis, long millis, long deltaRows, long chunks) {}

  private final Map<String, ArrayDeque<Refresh>> byStreamTable = new ConcurrentHashMap<>();

  /** Records a refresh of a stream table. */
  public void record(String streamTable, Refresh refresh) {
    ArrayDeque<Refresh> q = byStreamTable.computeIfAbsent(streamTable, st -> new ArrayDeque<>());
    synchronized (q) {
      if (q.size() == PER_STREAM_TABLE) {
        q.removeFirst();
      }
      q.addLast(refresh);
    }
  }

  /** Forgets a stream table (dropped). */
  public void forget(String streamTable) {
    byStreamTable.remove(streamTable);
  }

  /**
   * The refreshes that finished at or after a time, per stream table (stream tables without any are
   * left out), oldest first.
   */
  public Map<String, List<Refresh>> since(long atMillis) {
    Map<String, List<Refresh>> out = new TreeMap<>();
    byStreamTable.forEach(
        (st, q) -> {
          List<Refresh> recent = new ArrayList<>();
          synchronized (q) {
            for (Refresh r : q) {
              if (r.atMillis() >= atMillis) {
                recent.add(r);
              }
            }
          }
          if (!recent.isEmpty()) {
            out.put(st, recent);
          }
        });
    return out;
  }
}
