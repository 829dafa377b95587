package dev.trickle.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trickle.model.Lsn;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class TransactionWindowTest {
  private static WalTransaction tx(int xid) {
    return new WalTransaction(
        xid,
        new Lsn(xid * 100L),
        new Lsn(xid * 100L + 8),
        Instant.EPOCH,
        Map.of(),
        Set.of(),
        List.of());
  }

  @Test
  void closesWhenFull_inOrder() {
    TransactionWindow w = new TransactionWindow(3, 1_000);
    assertThat(w.add(tx(1), 0)).isFalse();
    assertThat(w.add(tx(2), 1)).isFalse();
    assertThat(w.add(tx(3), 2)).isTrue();
    assertThat(w.drain()).extracting(WalTransaction::xid).containsExactly(1, 2, 3);
    assertThat(w.isEmpty()).isTrue();
  }

  @Test
  void isDueOnceItsFirstTransactionWaitedMaxWait() {
    TransactionWindow w = new TransactionWindow(100, 1_000);
    assertThat(w.due(5_000)).as("empty: never due").isFalse();
    w.add(tx(1), 10_000);
    w.add(tx(2), 10_900);
    assertThat(w.due(10_999)).isFalse();
    assertThat(w.due(11_000)).isTrue();
    w.drain();
    w.add(tx(3), 20_000);
    assertThat(w.due(20_999)).as("a new window starts its own clock").isFalse();
  }

  @Test
  void holdsAtLeastOneTransaction() {
    assertThatThrownBy(() -> new TransactionWindow(0, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
