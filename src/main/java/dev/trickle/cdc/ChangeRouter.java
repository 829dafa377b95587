package dev.trickle.cdc;

import dev.trickle.model.TableRef;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Flux;

/**
 * Routes the stream of committed transactions into one flux per source table ({@code groupBy}),
 * each appending its table's part of every transaction to the {@link ChangeStore}, plus one flux of
 * transaction ends that records the received position and completes fences.
 *
 * <p>Everything runs on the reader's thread without a thread hop, so a transaction's parts are
 * appended before its end is processed, and a fence completes only after every transaction
 * delivered before it has been appended (DESIGN-BRIEF §2, step 3).
 */
public final class ChangeRouter {
  private static final String END = "end of transaction";

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

  /** A transaction's part for one table, or its end ({@code table} null). */
  private record Part(WalTransaction tx, TableRef table) {
    Object key() {
      return table == null ? END : table;
    }
  }

  /**
   * Routes transactions.
   *
   * @param transactions committed transactions in commit order
   * @return completes when the input completes; each element is a routed transaction
   */
  public Flux<WalTransaction> route(Flux<WalTransaction> transactions) {
    return transactions
        .concatMapIterable(ChangeRouter::parts)
        .groupBy(Part::key)
        .flatMap(
            group ->
                END.equals(group.key())
                    ? group.doOnNext(this::end).map(Part::tx)
                    : group
                        .doOnNext(p -> store.append(p.tx(), p.table()))
                        .thenMany(Flux.<WalTransaction>empty()),
            Integer.MAX_VALUE);
  }

  private void end(Part part) {
    store.transactionEnd(part.tx());
    part.tx().fences().forEach(fences::arrived);
  }

  private static List<Part> parts(WalTransaction tx) {
    List<Part> out = new ArrayList<>();
    for (TableRef t : tx.touchedTables()) {
      out.add(new Part(tx, t));
    }
    out.add(new Part(tx, null));
    return out;
  }
}
