package dev.trickle.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.cdc.pgoutput.TupleData;
import dev.trickle.model.Lsn;
import dev.trickle.model.PgSnapshot;
import dev.trickle.model.TableRef;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spilled transactions in the change store: their rows count as changes but not as memory, and
 * their files are deleted once no stream table needs them.
 */
final class ChangeStoreSpillTest {
  private static final TableRef A = new TableRef("public", "a");
  private static final TableRef B = new TableRef("public", "b");

  @TempDir Path dir;

  private final ChangeStore store = new ChangeStore();

  /** A committed transaction of {@code rows} inserts into {@code table}, held in a spill file. */
  private WalTransaction spilled(int xid, long commitLsn, TableRef table, int rows) {
    SpillFile file = SpillFile.create(dir);
    SourceRelation rel = new SourceRelation(1, table, List.of("id"), 'd');
    for (int i = 0; i < rows; i++) {
      file.write(
          xid,
          new RowChange(RowChange.Kind.INSERT, rel, null, TupleData.ofText(Integer.toString(i))));
    }
    return new WalTransaction(
        xid,
        new Lsn(commitLsn),
        new Lsn(commitLsn + 0x28),
        Instant.EPOCH,
        Map.of(),
        Set.of(),
        List.of(),
        file.seal(Set.of()));
  }

  @Test
  void aSpilledTransaction_countsItsRows_butNotAsMemory_andGoesWhenEveryReaderAbsorbedIt() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    store.register(2, Set.of(A), PgSnapshot.of(100, 100));
    WalTransaction tx = spilled(100, 0x1000, A, 10_000);

    store.append(tx);

    assertThat(store.pendingChanges(1)).isEqualTo(10_000);
    assertThat(store.bytes()).isLessThan(1_000);
    assertThat(store.deltaFor(1, PgSnapshot.of(101, 101))).containsExactly(tx);
    store.complete(1, PgSnapshot.of(101, 101));
    assertThat(Files.exists(tx.spilled().path())).as("stream table 2 still needs it").isTrue();
    store.complete(2, PgSnapshot.of(101, 101));
    assertThat(Files.exists(tx.spilled().path())).isFalse();
  }

  @Test
  void aSpilledTransactionNoStreamTableReads_isDeletedAtItsEnd() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    WalTransaction tx = spilled(100, 0x1000, B, 3);
    store.append(tx);
    assertThat(Files.exists(tx.spilled().path())).isFalse();
    assertThat(store.confirmable()).isEqualTo(new Lsn(0x1028));
  }

  @Test
  void aSpilledTransactionDeliveredAgain_keepsOneFile_theFirst() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    WalTransaction first = spilled(100, 0x1000, A, 3);
    WalTransaction again = spilled(100, 0x1000, A, 3);
    store.append(first);
    // a stream table created between the two deliveries is given the first one's file
    store.register(2, Set.of(A), PgSnapshot.of(100, 100));
    store.append(again);

    assertThat(Files.exists(again.spilled().path())).isFalse();
    assertThat(store.deltaFor(2, PgSnapshot.of(101, 101))).containsExactly(first);
    store.complete(1, PgSnapshot.of(101, 101));
    store.complete(2, PgSnapshot.of(101, 101));
    assertThat(Files.exists(first.spilled().path())).isFalse();
  }

  @Test
  void unregisteringTheLastReader_deletesTheFile() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    WalTransaction tx = spilled(100, 0x1000, A, 3);
    store.append(tx);
    store.unregister(1);
    assertThat(Files.exists(tx.spilled().path())).isFalse();
  }
}
