package dev.trickle.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.cdc.pgoutput.TupleData;
import dev.trickle.model.Lsn;
import dev.trickle.model.PgSnapshot;
import dev.trickle.model.TableRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

final class ChangeRouterTest {
  private static final TableRef A = new TableRef("public", "a");
  private static final TableRef B = new TableRef("public", "b");

  private static WalTransaction tx(int xid, long lsn, Set<TableRef> tables, List<String> fences) {
    Map<TableRef, List<RowChange>> changes = new java.util.LinkedHashMap<>();
    for (TableRef t : tables) {
      SourceRelation rel = new SourceRelation(1, t, List.of("id"), 'd');
      changes.put(
          t, List.of(new RowChange(RowChange.Kind.INSERT, rel, null, TupleData.ofText("1"))));
    }
    return new WalTransaction(
        xid, new Lsn(lsn), new Lsn(lsn + 8), Instant.EPOCH, changes, Set.of(), fences);
  }

  @Test
  void route_appendsEachTablePartToTheStreamTablesReadingIt() {
    ChangeStore store = new ChangeStore();
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    store.register(2, Set.of(B), PgSnapshot.of(100, 100));
    FenceRegistry fences = new FenceRegistry();
    Flux<List<WalTransaction>> in =
        Flux.just(
            List.of(tx(100, 1000, Set.of(A), List.of()), tx(101, 2000, Set.of(A, B), List.of())),
            List.of(tx(102, 3000, Set.of(B), List.of())));

    StepVerifier.create(new ChangeRouter(store, fences).route(in))
        .expectNextCount(3)
        .verifyComplete();

    assertThat(store.pendingCount(1)).isEqualTo(2);
    assertThat(store.pendingCount(2)).isEqualTo(2);
    assertThat(store.confirmable()).isEqualTo(new Lsn(999));
  }

  @Test
  void route_completesAFenceOnlyAfterEveryEarlierTransactionWasAppended() {
    ChangeStore store = new ChangeStore();
    store.register(1, Set.of(A, B), PgSnapshot.of(100, 100));
    FenceRegistry fences = new FenceRegistry();
    CompletableFuture<Void> fence = fences.expect("f1");
    List<Integer> earlierPendingWhenFenceArrived = new ArrayList<>();
    var unused =
        fence.thenRun(
            () ->
                store
                    .deltaFor(1, PgSnapshot.of(102, 102))
                    .forEach(t -> earlierPendingWhenFenceArrived.add(t.xid())));
    Flux<List<WalTransaction>> in =
        Flux.just(
            List.of(tx(100, 1000, Set.of(A, B), List.of()), tx(101, 2000, Set.of(B), List.of())),
            List.of(tx(102, 3000, Set.of(), List.of("f1")), tx(103, 4000, Set.of(A), List.of())));

    StepVerifier.create(new ChangeRouter(store, fences).route(in))
        .expectNextCount(4)
        .verifyComplete();

    // a window appends all of its changes before it ends its transactions: later ones may be
    // there too, but never may an earlier one be missing
    assertThat(earlierPendingWhenFenceArrived).containsExactly(100, 101);
    assertThat(store.pendingCount(1)).isEqualTo(3);
    assertThat(fences.hasWaiting()).isFalse();
  }

  @Test
  void byTable_splitsAWindowPerSourceTableInCommitOrder() {
    WalTransaction t1 = tx(100, 1000, Set.of(A), List.of());
    WalTransaction t2 = tx(101, 2000, Set.of(A, B), List.of());
    WalTransaction t3 = tx(102, 3000, Set.of(B), List.of());

    var batches = ChangeRouter.byTable(List.of(t1, t2, t3));

    assertThat(batches.keySet()).containsExactly(A, B);
    assertThat(batches.get(A)).containsExactly(t1, t2);
    assertThat(batches.get(B)).containsExactly(t2, t3);
  }
}
