package dev.trickle.cdc;

import dev.trickle.model.TableRef;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Flux;

/**
 * Routes the stream of committed transactions to the {@link ChangeStore} in windows: a window
 * closes after {@code maxTransactions} transactions or {@code maxWait} after its first one
 * (Reactor's {@code bufferTimeout}, its fair-backpressure variant: the other one, at 1 ms windows,
 * now and then left a transaction in a window that was never emitted, stalling its stream tables
 * until more changes came), whichever comes first. Each window is split by source table and each
 * table's changes are appended as one batch; then the window's transactions end in commit order,
 * recording the received position and completing the fences they carry.
 *
 * <p>Windows are routed one after another ({@code concatMap}), and a window's ends come after all
 * of its appends, so a fence completes only after every transaction delivered before it has been
 * appended (DESIGN-BRIEF §2, step 3).
 */
public final class ChangeRouter {
  private final ChangeStore store;
  private final FenceRegistry fences;
  private final int maxTransactions;
  private final Duration maxWait;

  /**
   * Creates a router.
   *
   * @param store where table parts go
   * @param fences completed when their transaction has been routed
   * @param maxTransactions the most transactions in one window
   * @param maxWait the longest a window stays open after its first transaction
   */
  public ChangeRouter(
      ChangeStore store, FenceRegistry fences, int maxTransactions, Duration maxWait) {
    this.store = store;
    this.fences = fences;
    this.maxTransactions = maxTransactions;
    this.maxWait = maxWait;
  }

  /**
   * Routes transactions.
   *
   * @param transactions committed transactions in commit order
   * @return completes when the input completes; each element is a routed transaction
   */
  public Flux<WalTransaction> route(Flux<WalTransaction> transactions) {
    return transactions
        .bufferTimeout(maxTransactions, maxWait, true)
        .concatMapIterable(
            window -> {
              routeWindow(window);
              return window;
            });
  }

  private void routeWindow(List<WalTransaction> window) {
    for (Map.Entry<TableRef, List<WalTransaction>> batch : byTable(window).entrySet()) {
      store.appendAll(batch.getKey(), batch.getValue());
    }
    for (WalTransaction tx : window) {
      store.transactionEnd(tx);
      tx.fences().forEach(fences::arrived);
    }
  }

  /** A window's transactions per table they touched, each list in commit order. */
  static Map<TableRef, List<WalTransaction>> byTable(List<WalTransaction> window) {
    Map<TableRef, List<WalTransaction>> out = new LinkedHashMap<>();
    for (WalTransaction tx : window) {
      for (TableRef t : tx.touchedTables()) {
        out.computeIfAbsent(t, k -> new ArrayList<>()).add(tx);
      }
    }
    return out;
  }
}
