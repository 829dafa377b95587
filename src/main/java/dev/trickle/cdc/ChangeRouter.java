package dev.trickle.cdc;

import dev.trickle.model.TableRef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import reactor.core.publisher.Flux;

/**
 * Routes windows of committed transactions (as the {@link ReplicationSource} closes them) to the
 * {@link ChangeStore}: each window is split by source table and each table's changes are appended
 * as one batch; then the window's transactions end in commit order, recording the received position
 * and completing the fences they carry.
 *
 * <p>Windows are routed one after another, on the thread that delivers them, and a window's ends
 * come after all of its appends, so a fence completes only after every transaction delivered before
 * it has been appended (DESIGN-BRIEF §2, step 3).
 */
public final class ChangeRouter {
  private final ChangeStore store;
  private final FenceRegistry fences;

  /**
   * Creates a router.
   *
   * @param store where table parts go
   * @param fences completed when their transaction has been routed
   */
  public ChangeRouter(ChangeStore store, FenceRegistry fences) {
    this.store = store;
    this.fences = fences;
  }

  /**
   * Routes windows of transactions.
   *
   * @param windows windows of committed transactions, in commit order
   * @return completes when the input completes; each element is a routed transaction
   */
  public Flux<WalTransaction> route(Flux<List<WalTransaction>> windows) {
    return windows.concatMapIterable(
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
