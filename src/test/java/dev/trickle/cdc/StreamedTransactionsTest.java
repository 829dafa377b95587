package dev.trickle.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trickle.cdc.pgoutput.Begin;
import dev.trickle.cdc.pgoutput.Commit;
import dev.trickle.cdc.pgoutput.Insert;
import dev.trickle.cdc.pgoutput.LogicalMessage;
import dev.trickle.cdc.pgoutput.PgOutputMessage;
import dev.trickle.cdc.pgoutput.Relation;
import dev.trickle.cdc.pgoutput.RelationColumn;
import dev.trickle.cdc.pgoutput.StreamAbort;
import dev.trickle.cdc.pgoutput.StreamCommit;
import dev.trickle.cdc.pgoutput.StreamStart;
import dev.trickle.cdc.pgoutput.StreamStop;
import dev.trickle.cdc.pgoutput.Truncate;
import dev.trickle.cdc.pgoutput.TupleData;
import dev.trickle.cdc.pgoutput.Update;
import dev.trickle.model.Lsn;
import dev.trickle.model.TableRef;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The assembler with spilling and protocol 2 streaming: transactions larger than the threshold go
 * to a spill file; streamed transactions arrive in blocks interleaved with others, and commit,
 * abort, or lose a subtransaction. No database: messages in, transactions out.
 */
final class StreamedTransactionsTest {
  private static final int T_OID = 16_384;
  private static final int U_OID = 16_400;
  private static final TableRef T = new TableRef("public", "t");
  private static final TableRef U = new TableRef("public", "u");

  @TempDir Path dir;

  private TransactionAssembler assembler(long thresholdBytes) {
    return new TransactionAssembler(r -> {}, () -> SpillFile.create(dir), thresholdBytes);
  }

  private static Relation relation(int oid, String name) {
    return new Relation(
        0,
        oid,
        "public",
        name,
        'f',
        List.of(new RelationColumn(true, "id", 23, -1), new RelationColumn(false, "v", 25, -1)));
  }

  private static Insert insert(int xid, int id) {
    return new Insert(xid, T_OID, TupleData.ofText(Integer.toString(id), "v" + id));
  }

  private static StreamCommit streamCommit(int xid, long lsn) {
    return new StreamCommit(xid, (byte) 0, lsn, lsn + 0x30, 0);
  }

  private static LogicalMessage fence(int xid, String id) {
    return new LogicalMessage(
        xid, true, 0, TransactionAssembler.FENCE_PREFIX, id.getBytes(StandardCharsets.UTF_8));
  }

  /** Feeds messages; the transactions they complete, in order. */
  private static List<WalTransaction> feed(TransactionAssembler a, PgOutputMessage... messages) {
    List<WalTransaction> out = new ArrayList<>();
    for (PgOutputMessage m : messages) {
      Optional<WalTransaction> tx = a.accept(m);
      tx.ifPresent(out::add);
    }
    return out;
  }

  private static List<String> ids(WalTransaction tx, TableRef table) {
    List<String> out = new ArrayList<>();
    for (RowChange c : tx.rows(table)) {
      out.add(c.newTuple().text(0));
    }
    return out;
  }

  private long spillFiles() throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.count();
    }
  }

  @Test
  void anOrdinaryTransactionOverTheThreshold_isSpilled_andReadBackInOrder() throws Exception {
    TransactionAssembler a = assembler(1_000);
    List<PgOutputMessage> messages = new ArrayList<>();
    messages.add(relation(T_OID, "t"));
    messages.add(relation(U_OID, "u"));
    messages.add(new Begin(0x100, 0, 7));
    for (int i = 1; i <= 50; i++) {
      messages.add(insert(7, i));
      if (i % 10 == 0) {
        messages.add(new Insert(7, U_OID, TupleData.ofText("u" + i, null)));
      }
    }
    messages.add(new Commit((byte) 0, 0x200, 0x230, 0));

    WalTransaction tx = feed(a, messages.toArray(PgOutputMessage[]::new)).get(0);

    assertThat(tx.isSpilled()).isTrue();
    assertThat(tx.changes()).isEmpty();
    assertThat(tx.estimatedBytes()).isLessThan(1_000);
    assertThat(tx.changeCount(T)).isEqualTo(50);
    assertThat(tx.changeCount(U)).isEqualTo(5);
    assertThat(tx.touchedTables()).containsExactlyInAnyOrder(T, U);
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= 50; i++) {
      expected.add(Integer.toString(i));
    }
    assertThat(ids(tx, T)).as("read twice, same rows").isEqualTo(expected).isEqualTo(ids(tx, T));
    RowChange u = tx.rows(U).iterator().next();
    assertThat(u.newTuple()).isEqualTo(TupleData.ofText("u10", null));
    assertThat(u.relation().columnNames()).containsExactly("id", "v");
    assertThat(u.relation().replicaIdentity()).isEqualTo('f');
    assertThat(spillFiles()).isEqualTo(1);

    tx.discardSpill();
    assertThat(spillFiles()).isZero();
  }

  @Test
  void aSmallTransaction_staysInMemory() {
    TransactionAssembler a = assembler(1 << 20);
    WalTransaction tx =
        feed(
                a,
                relation(T_OID, "t"),
                new Begin(0x100, 0, 7),
                insert(7, 1),
                new Commit((byte) 0, 0x200, 0x230, 0))
            .get(0);
    assertThat(tx.isSpilled()).isFalse();
    assertThat(ids(tx, T)).containsExactly("1");
  }

  @Test
  void streamedChunks_interleavedWithOrdinaryTransactions_commitAsOneAtTheCommitPosition()
      throws Exception {
    TransactionAssembler a = assembler(Long.MAX_VALUE);
    List<WalTransaction> out =
        feed(
            a,
            relation(T_OID, "t"),
            new StreamStart(100, true),
            insert(100, 1),
            insert(100, 2),
            new StreamStop(),
            new Begin(0x300, 0, 101),
            insert(101, 50),
            new Commit((byte) 0, 0x310, 0x340, 0),
            new StreamStart(100, false),
            new Update(100, T_OID, null, '\0', TupleData.ofText("3", "x")),
            new StreamStop(),
            streamCommit(100, 0x500));

    assertThat(out).extracting(WalTransaction::xid).containsExactly(101, 100);
    WalTransaction ordinary = out.get(0);
    assertThat(ordinary.isSpilled()).isFalse();
    assertThat(ids(ordinary, T)).containsExactly("50");
    WalTransaction streamed = out.get(1);
    assertThat(streamed.isSpilled()).isTrue();
    assertThat(streamed.commitLsn()).isEqualTo(new Lsn(0x500));
    assertThat(streamed.endLsn()).isEqualTo(new Lsn(0x530));
    assertThat(ids(streamed, T)).containsExactly("1", "2", "3");
    assertThat(streamed.changeCount(T)).isEqualTo(3);
    assertThat(a.openStreams()).isZero();
    assertThat(spillFiles()).isEqualTo(1);
  }

  @Test
  void twoStreamedTransactions_interleaved_eachKeepsItsOwnChanges() {
    TransactionAssembler a = assembler(Long.MAX_VALUE);
    List<WalTransaction> out =
        feed(
            a,
            relation(T_OID, "t"),
            new StreamStart(400, true),
            insert(400, 1),
            new StreamStop(),
            new StreamStart(500, true),
            insert(500, 2),
            new StreamStop(),
            new StreamStart(400, false),
            insert(400, 3),
            new StreamStop(),
            streamCommit(500, 0x600),
            streamCommit(400, 0x700));

    assertThat(out).extracting(WalTransaction::xid).containsExactly(500, 400);
    assertThat(ids(out.get(0), T)).containsExactly("2");
    assertThat(ids(out.get(1), T)).containsExactly("1", "3");
  }

  @Test
  void aStreamedTransactionAborted_yieldsNothing_andItsFileIsDeleted() throws Exception {
    TransactionAssembler a = assembler(Long.MAX_VALUE);
    List<WalTransaction> out =
        feed(
            a,
            relation(T_OID, "t"),
            new StreamStart(200, true),
            insert(200, 1),
            fence(200, "f-aborted"),
            new StreamStop(),
            new StreamAbort(200, 200),
            new Begin(0x300, 0, 201),
            insert(201, 9),
            new Commit((byte) 0, 0x310, 0x340, 0));

    assertThat(out).extracting(WalTransaction::xid).containsExactly(201);
    assertThat(a.openStreams()).isZero();
    assertThat(spillFiles()).isZero();
  }

  @Test
  void aSubtransactionAborted_dropsOnlyItsChanges_truncatesAndFences() {
    TransactionAssembler a = assembler(Long.MAX_VALUE);
    List<WalTransaction> out =
        feed(
            a,
            relation(T_OID, "t"),
            relation(U_OID, "u"),
            new StreamStart(300, true),
            insert(300, 1),
            insert(301, 2),
            fence(301, "f-sub"),
            new Truncate(301, (byte) 0, List.of(U_OID)),
            insert(302, 3),
            new StreamStop(),
            new StreamAbort(300, 301),
            new StreamStart(300, false),
            insert(300, 4),
            fence(300, "f-top"),
            new StreamStop(),
            streamCommit(300, 0x800));

    WalTransaction tx = out.get(0);
    assertThat(ids(tx, T)).containsExactly("1", "3", "4");
    assertThat(tx.changeCount(T)).isEqualTo(3);
    assertThat(tx.truncated()).isEmpty();
    assertThat(tx.fences()).containsExactly("f-top");
  }

  @Test
  void aStreamedTransactionWithoutRows_commitsInMemory() {
    TransactionAssembler a = assembler(Long.MAX_VALUE);
    List<WalTransaction> out =
        feed(
            a,
            relation(U_OID, "u"),
            new StreamStart(600, true),
            new Truncate(600, (byte) 0, List.of(U_OID)),
            new StreamStop(),
            streamCommit(600, 0x900));
    assertThat(out.get(0).isSpilled()).isFalse();
    assertThat(out.get(0).truncated()).containsExactly(U);
  }

  @Test
  void positions_insideAStreamBlockOnly_countAsInsideATransaction() {
    TransactionAssembler a = assembler(Long.MAX_VALUE);
    feed(a, relation(T_OID, "t"), new StreamStart(100, true), insert(100, 1));
    assertThat(a.inTransaction()).isTrue();
    assertThat(a.inStreamBlock()).isTrue();
    a.accept(new StreamStop());
    // between blocks: the streamed transaction sits at its commit, not yet received
    assertThat(a.inTransaction()).isFalse();
    assertThat(a.inStreamBlock()).isFalse();
    assertThat(a.openStreams()).isEqualTo(1);
  }

  @Test
  void discardOpen_deletesTheFilesOfUnfinishedTransactions() throws Exception {
    TransactionAssembler a = assembler(1);
    feed(
        a,
        relation(T_OID, "t"),
        new StreamStart(100, true),
        insert(100, 1),
        new StreamStop(),
        new Begin(0x300, 0, 101),
        insert(101, 2));
    assertThat(spillFiles()).isEqualTo(2);
    a.discardOpen();
    assertThat(spillFiles()).isZero();
    assertThat(a.inTransaction()).isFalse();
    assertThat(a.openStreams()).isZero();
  }

  @Test
  void protocolOrder_isChecked() {
    TransactionAssembler a = assembler(Long.MAX_VALUE);
    a.accept(new StreamStart(100, true));
    assertThatThrownBy(() -> a.accept(new Begin(0x300, 0, 101)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("inside a stream block");
    a.accept(new StreamStop());
    assertThatThrownBy(() -> a.accept(new StreamStop())).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> a.accept(streamCommit(999, 0x100)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("never started");
  }
}
