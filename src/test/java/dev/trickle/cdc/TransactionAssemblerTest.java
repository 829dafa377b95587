package dev.trickle.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trickle.cdc.pgoutput.Begin;
import dev.trickle.cdc.pgoutput.Commit;
import dev.trickle.cdc.pgoutput.Delete;
import dev.trickle.cdc.pgoutput.Insert;
import dev.trickle.cdc.pgoutput.LogicalMessage;
import dev.trickle.cdc.pgoutput.Origin;
import dev.trickle.cdc.pgoutput.PgOutputMessage;
import dev.trickle.cdc.pgoutput.PgTime;
import dev.trickle.cdc.pgoutput.Relation;
import dev.trickle.cdc.pgoutput.RelationColumn;
import dev.trickle.cdc.pgoutput.StreamStart;
import dev.trickle.cdc.pgoutput.Truncate;
import dev.trickle.cdc.pgoutput.TupleData;
import dev.trickle.cdc.pgoutput.Type;
import dev.trickle.cdc.pgoutput.Update;
import dev.trickle.model.Lsn;
import dev.trickle.model.TableRef;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

final class TransactionAssemblerTest {
  private static final int ORDERS_OID = 16_384;
  private static final int ITEMS_OID = 16_390;
  private static final TableRef ORDERS = new TableRef("public", "orders");
  private static final TableRef ITEMS = new TableRef("shop", "items");
  private static final Instant COMMIT_TIME = Instant.parse("2024-05-06T07:08:09.123456Z");
  private static final long COMMIT_MICROS = PgTime.toPgMicros(COMMIT_TIME);

  private final TransactionAssembler assembler = new TransactionAssembler();

  private static Relation orders() {
    return new Relation(
        0,
        ORDERS_OID,
        "public",
        "orders",
        'd',
        List.of(
            new RelationColumn(true, "id", 23, -1),
            new RelationColumn(false, "amount", 1700, -1),
            new RelationColumn(false, "note", 25, -1)));
  }

  private static Relation items() {
    return new Relation(
        0,
        ITEMS_OID,
        "shop",
        "items",
        'f',
        List.of(
            new RelationColumn(false, "sku", 25, -1), new RelationColumn(false, "qty", 23, -1)));
  }

  private static Begin begin(int xid) {
    return new Begin(0x1_00000200L, COMMIT_MICROS, xid);
  }

  private static Commit commit() {
    return new Commit((byte) 0, 0x1_00000200L, 0x1_00000230L, COMMIT_MICROS);
  }

  private static LogicalMessage message(boolean transactional, String prefix, String content) {
    return new LogicalMessage(
        transactional ? 77 : 0,
        transactional,
        0x1_00000100L,
        prefix,
        content.getBytes(StandardCharsets.UTF_8));
  }

  private WalTransaction feed(PgOutputMessage... messages) {
    Optional<WalTransaction> last = Optional.empty();
    for (int i = 0; i < messages.length; i++) {
      last = assembler.accept(messages[i]);
      if (i < messages.length - 1) {
        assertThat(last).as("message %d completes nothing", i).isEmpty();
      }
    }
    assertThat(last).as("last message completes a transaction").isPresent();
    return last.orElseThrow();
  }

  @Test
  void accept_fullTransaction_buildsWalTransaction() {
    TupleData row1 = TupleData.ofText("1", "9.50", "first");
    TupleData row2 = TupleData.ofText("2", "3.00", null);
    TupleData row2b = TupleData.ofText("2", "4.00", null);
    TupleData item = TupleData.ofText("A-1", "3");

    WalTransaction tx =
        feed(
            orders(),
            items(),
            begin(77),
            new Insert(77, ORDERS_OID, row1),
            new Insert(77, ITEMS_OID, item),
            new Insert(77, ORDERS_OID, row2),
            new Update(77, ORDERS_OID, null, '\0', row2b),
            new Delete(77, ORDERS_OID, TupleData.ofText("1", null, null), 'K'),
            commit());

    assertThat(tx.xid()).isEqualTo(77);
    assertThat(tx.commitLsn()).isEqualTo(Lsn.parse("1/200"));
    assertThat(tx.endLsn()).isEqualTo(Lsn.parse("1/230"));
    assertThat(tx.commitTime()).isEqualTo(COMMIT_TIME);
    assertThat(tx.changes().keySet()).containsExactlyInAnyOrder(ORDERS, ITEMS);
    assertThat(tx.truncated()).isEmpty();
    assertThat(tx.fences()).isEmpty();

    List<RowChange> orders = tx.changes().get(ORDERS);
    assertThat(orders)
        .extracting(RowChange::kind)
        .containsExactly(
            RowChange.Kind.INSERT,
            RowChange.Kind.INSERT,
            RowChange.Kind.UPDATE,
            RowChange.Kind.DELETE);
    assertThat(orders.get(0).newTuple()).isEqualTo(row1);
    assertThat(orders.get(0).oldTuple()).isNull();
    assertThat(orders.get(1).newTuple()).isEqualTo(row2);
    assertThat(orders.get(2).oldTuple()).isNull();
    assertThat(orders.get(2).newTuple()).isEqualTo(row2b);
    assertThat(orders.get(3).oldTuple()).isEqualTo(TupleData.ofText("1", null, null));
    assertThat(orders.get(3).newTuple()).isNull();

    SourceRelation rel = orders.get(0).relation();
    assertThat(rel.relationId()).isEqualTo(ORDERS_OID);
    assertThat(rel.table()).isEqualTo(ORDERS);
    assertThat(rel.columnNames()).containsExactly("id", "amount", "note");
    assertThat(rel.replicaIdentity()).isEqualTo('d');
    assertThat(rel.indexOf("note")).isEqualTo(2);
    assertThat(rel.indexOf("missing")).isEqualTo(-1);

    assertThat(tx.changes().get(ITEMS))
        .singleElement()
        .satisfies(
            c -> {
              assertThat(c.kind()).isEqualTo(RowChange.Kind.INSERT);
              assertThat(c.relation().table()).isEqualTo(ITEMS);
              assertThat(c.relation().replicaIdentity()).isEqualTo('f');
              assertThat(c.newTuple()).isEqualTo(item);
            });
    assertThat(tx.touches(ORDERS)).isTrue();
    assertThat(tx.touches(new TableRef("public", "other"))).isFalse();
    assertThat(tx.changeCount(ORDERS)).isEqualTo(4);
    assertThat(tx.changeCount(ITEMS)).isEqualTo(1);
    assertThat(assembler.inTransaction()).isFalse();
  }

  @Test
  void accept_updateWithOldImage_keepsBothImages() {
    TupleData old = TupleData.ofText("5", "1.00", "x");
    TupleData now = TupleData.ofText("6", "1.00", "x");

    WalTransaction tx =
        feed(orders(), begin(9), new Update(9, ORDERS_OID, old, 'O', now), commit());

    RowChange c = tx.changes().get(ORDERS).get(0);
    assertThat(c.kind()).isEqualTo(RowChange.Kind.UPDATE);
    assertThat(c.oldTuple()).isEqualTo(old);
    assertThat(c.newTuple()).isEqualTo(now);
  }

  @Test
  void accept_commitTimeBeforePgEpoch_convertedByPgTime() {
    Commit c = new Commit((byte) 0, 0x10L, 0x20L, -1L);

    WalTransaction tx = feed(begin(1), c);

    assertThat(tx.commitTime()).isEqualTo(Instant.parse("1999-12-31T23:59:59.999999Z"));
  }

  @Test
  void accept_inTransaction_trueBetweenBeginAndCommit() {
    assertThat(assembler.inTransaction()).isFalse();
    assembler.accept(begin(3));
    assertThat(assembler.inTransaction()).isTrue();
    assembler.accept(commit());
    assertThat(assembler.inTransaction()).isFalse();
  }

  @Test
  void accept_emptyTransaction_hasNoChanges() {
    WalTransaction tx = feed(begin(4), commit());

    assertThat(tx.xid()).isEqualTo(4);
    assertThat(tx.changes()).isEmpty();
    assertThat(tx.truncated()).isEmpty();
    assertThat(tx.fences()).isEmpty();
  }

  @Test
  void accept_truncate_dropsEarlierChangesAndRecordsTable() {
    TupleData before = TupleData.ofText("1", "1", "a");
    TupleData after = TupleData.ofText("2", "2", "b");

    WalTransaction tx =
        feed(
            orders(),
            items(),
            begin(11),
            new Insert(11, ORDERS_OID, before),
            new Insert(11, ITEMS_OID, TupleData.ofText("s", "1")),
            new Truncate(11, Truncate.CASCADE, List.of(ORDERS_OID)),
            new Insert(11, ORDERS_OID, after),
            commit());

    assertThat(tx.truncated()).containsExactly(ORDERS);
    assertThat(tx.changes().get(ORDERS)).extracting(RowChange::newTuple).containsExactly(after);
    assertThat(tx.changeCount(ITEMS)).isEqualTo(1);
    assertThat(tx.touches(ORDERS)).isTrue();
  }

  @Test
  void accept_truncateOnly_touchesTableWithoutRows() {
    WalTransaction tx =
        feed(
            orders(),
            items(),
            begin(12),
            new Truncate(12, (byte) 0, List.of(ORDERS_OID, ITEMS_OID)),
            commit());

    assertThat(tx.truncated()).containsExactlyInAnyOrder(ORDERS, ITEMS);
    assertThat(tx.changes()).isEmpty();
    assertThat(tx.touches(ITEMS)).isTrue();
    assertThat(tx.changeCount(ITEMS)).isZero();
  }

  @Test
  void accept_transactionalFenceMessages_collectedInOrder() {
    WalTransaction tx =
        feed(
            begin(20),
            message(true, TransactionAssembler.FENCE_PREFIX, "fence-1"),
            message(true, TransactionAssembler.FENCE_PREFIX, "fence-\u00e9"),
            commit());

    assertThat(tx.fences()).containsExactly("fence-1", "fence-\u00e9");
  }

  @Test
  void requests_nonTransactionalAtOnce_transactionalAtCommit_neverAfterAbortOrWithOtherPrefixes() {
    List<String> got = new java.util.ArrayList<>();
    TransactionAssembler a = new TransactionAssembler(got::add);
    a.accept(message(false, TransactionAssembler.REQUEST_PREFIX, "ask-1"));
    assertThat(got).containsExactly("ask-1");
    a.accept(begin(30));
    a.accept(message(true, TransactionAssembler.REQUEST_PREFIX, "adopt-7"));
    a.accept(message(false, TransactionAssembler.REQUEST_PREFIX, "ask-2")); // in a transaction
    a.accept(message(true, "someone.else", "x"));
    assertThat(got).containsExactly("ask-1", "ask-2");
    a.accept(commit());
    assertThat(got).containsExactly("ask-1", "ask-2", "adopt-7");
    // an aborted transaction never reaches pgoutput: its messages are never handed on
  }

  @Test
  void accept_nonTransactionalFence_ignored() {
    WalTransaction tx =
        feed(begin(21), message(false, TransactionAssembler.FENCE_PREFIX, "lost"), commit());

    assertThat(tx.fences()).isEmpty();
  }

  @Test
  void accept_nonTransactionalFenceOutsideTransaction_ignored() {
    assertThat(assembler.accept(message(false, TransactionAssembler.FENCE_PREFIX, "x"))).isEmpty();
    assertThat(assembler.inTransaction()).isFalse();
  }

  @Test
  void accept_otherPrefixes_ignored() {
    WalTransaction tx =
        feed(
            begin(22),
            message(true, "trickle.fenc", "a"),
            message(true, "trickle.fence.x", "b"),
            message(true, "other", "c"),
            message(true, "TRICKLE.FENCE", "d"),
            commit());

    assertThat(tx.fences()).isEmpty();
  }

  @Test
  void accept_typeAndOrigin_ignoredInsideTransaction() {
    WalTransaction tx =
        feed(
            orders(),
            begin(23),
            new Type(0, 99_999, "public", "mood"),
            new Origin(0x5L, "upstream"),
            new Insert(23, ORDERS_OID, TupleData.ofText("1", "2", "3")),
            commit());

    assertThat(tx.changeCount(ORDERS)).isEqualTo(1);
  }

  @Test
  void accept_relationRedefined_laterChangesUseNewLayout() {
    Relation renamed =
        new Relation(
            0,
            ORDERS_OID,
            "public",
            "orders",
            'f',
            List.of(
                new RelationColumn(true, "id", 23, -1),
                new RelationColumn(false, "total", 1700, -1)));

    WalTransaction tx =
        feed(
            orders(),
            begin(24),
            new Insert(24, ORDERS_OID, TupleData.ofText("1", "2", "3")),
            renamed,
            new Insert(24, ORDERS_OID, TupleData.ofText("2", "5")),
            commit());

    List<RowChange> rows = tx.changes().get(ORDERS);
    assertThat(rows.get(0).relation().columnNames()).containsExactly("id", "amount", "note");
    assertThat(rows.get(1).relation().columnNames()).containsExactly("id", "total");
    assertThat(rows.get(1).relation().replicaIdentity()).isEqualTo('f');
  }

  @Test
  void accept_relationsRememberedAcrossTransactions() {
    feed(orders(), begin(30), commit());

    WalTransaction tx =
        feed(begin(31), new Insert(31, ORDERS_OID, TupleData.ofText("1", "2", "3")), commit());

    assertThat(tx.xid()).isEqualTo(31);
    assertThat(tx.changeCount(ORDERS)).isEqualTo(1);
  }

  @Test
  void accept_twoTransactions_secondStartsEmpty() {
    feed(
        orders(),
        begin(40),
        new Insert(40, ORDERS_OID, TupleData.ofText("1", "2", "3")),
        message(true, TransactionAssembler.FENCE_PREFIX, "f"),
        new Truncate(40, (byte) 0, List.of(ORDERS_OID)),
        commit());

    WalTransaction second = feed(begin(41), commit());

    assertThat(second.changes()).isEmpty();
    assertThat(second.truncated()).isEmpty();
    assertThat(second.fences()).isEmpty();
  }

  @Test
  void accept_negativeXid_keptAsSigned32Bit() {
    WalTransaction tx = feed(begin(0xFFFFFFF0), commit());

    assertThat(tx.xid()).isEqualTo(0xFFFFFFF0);
  }

  @Test
  void accept_commitWithoutBegin_throws() {
    assertThatThrownBy(() -> assembler.accept(commit()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Commit outside a transaction");
  }

  @Test
  void accept_beginInsideTransaction_throwsNamingOpenXid() {
    assembler.accept(begin(50));

    assertThatThrownBy(() -> assembler.accept(begin(51)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Begin inside transaction 50");
  }

  @Test
  void accept_rowChangeOutsideTransaction_throws() {
    assembler.accept(orders());

    assertThatThrownBy(
            () -> assembler.accept(new Insert(1, ORDERS_OID, TupleData.ofText("1", "2", "3"))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("row change outside a transaction");
  }

  @Test
  void accept_truncateOutsideTransaction_throws() {
    assembler.accept(orders());

    assertThatThrownBy(() -> assembler.accept(new Truncate(1, (byte) 0, List.of(ORDERS_OID))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Truncate outside a transaction");
  }

  @Test
  void accept_transactionalFenceOutsideTransaction_throws() {
    assertThatThrownBy(
            () -> assembler.accept(message(true, TransactionAssembler.FENCE_PREFIX, "f")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("Message outside a transaction");
  }

  @Test
  void accept_insertForUnknownRelation_throwsNamingId() {
    assembler.accept(begin(60));

    assertThatThrownBy(() -> assembler.accept(new Insert(60, 4242, TupleData.ofText("1"))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("row change for unknown relation id 4242");
  }

  @Test
  void accept_updateDeleteTruncateForUnknownRelation_throw() {
    assembler.accept(begin(61));

    assertThatThrownBy(() -> assembler.accept(new Update(61, 7, null, '\0', TupleData.ofText("1"))))
        .hasMessage("row change for unknown relation id 7");
    assertThatThrownBy(() -> assembler.accept(new Delete(61, 8, TupleData.ofText("1"), 'K')))
        .hasMessage("row change for unknown relation id 8");
    assertThatThrownBy(() -> assembler.accept(new Truncate(61, (byte) 0, List.of(9))))
        .hasMessage("row change for unknown relation id 9");
  }

  @Test
  void accept_streamMessage_throws() {
    assertThatThrownBy(() -> assembler.accept(new StreamStart(5, true)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("streamed transactions are not enabled");
  }
}
