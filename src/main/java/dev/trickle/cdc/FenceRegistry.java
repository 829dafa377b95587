package dev.trickle.cdc;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Matches fence messages coming back through the replication stream with the refreshes waiting for
 * them. A fence is a transactional logical decoding message committed after a refresh took its
 * snapshot; once it is received, every transaction visible in that snapshot has been received too
 * (pgoutput delivers transactions in commit order).
 */
public final class FenceRegistry {
  private final Map<String, CompletableFuture<Void>> waiting = new ConcurrentHashMap<>();

  /**
   * Registers a fence before it is written.
   *
   * @param id the fence id carried in the message
   * @return completes when the fence is received
   */
  public CompletableFuture<Void> expect(String id) {
    return waiting.computeIfAbsent(id, k -> new CompletableFuture<>());
  }

  /** Called by the reader once the transaction carrying the fence has been appended. */
  public void arrived(String id) {
    CompletableFuture<Void> f = waiting.remove(id);
    if (f != null) {
      f.complete(null);
    }
  }

  /** Whether some refresh is waiting for its fence (then reading must not pause). */
  public boolean hasWaiting() {
    return !waiting.isEmpty();
  }

  /** Forgets a fence whose refresh gave up. */
  public void cancel(String id) {
    waiting.remove(id);
  }
}
