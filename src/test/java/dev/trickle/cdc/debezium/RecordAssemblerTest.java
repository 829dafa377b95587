package dev.trickle.cdc.debezium;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trickle.cdc.RowChange;
import dev.trickle.cdc.WalTransaction;
import dev.trickle.cdc.pgoutput.TupleData;
import dev.trickle.model.Lsn;
import dev.trickle.model.TableRef;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;

/** Records shaped as the Debezium PostgreSQL connector emits them, folded into transactions. */
final class RecordAssemblerTest {
  static final Schema TX =
      SchemaBuilder.struct()
          .field("status", Schema.STRING_SCHEMA)
          .field("id", Schema.STRING_SCHEMA)
          .field("event_count", Schema.OPTIONAL_INT64_SCHEMA)
          .build();
  static final Schema ROW =
      SchemaBuilder.struct()
          .optional()
          .field("id", Schema.OPTIONAL_STRING_SCHEMA)
          .field("v", Schema.OPTIONAL_STRING_SCHEMA)
          .build();
  static final Schema SOURCE =
      SchemaBuilder.struct()
          .field("schema", Schema.STRING_SCHEMA)
          .field("table", Schema.STRING_SCHEMA)
          .build();
  static final Schema CHANGE =
      SchemaBuilder.struct()
          .field("before", ROW)
          .field("after", ROW)
          .field("source", SOURCE)
          .field("op", Schema.STRING_SCHEMA)
          .build();
  static final Schema MESSAGE_BODY =
      SchemaBuilder.struct()
          .field("prefix", Schema.STRING_SCHEMA)
          .field("content", Schema.BYTES_SCHEMA)
          .build();
  static final Schema MESSAGE =
      SchemaBuilder.struct()
          .field("op", Schema.STRING_SCHEMA)
          .field("message", MESSAGE_BODY)
          .build();
  static final Schema HEARTBEAT =
      SchemaBuilder.struct().field("ts_ms", Schema.INT64_SCHEMA).build();

  static final TableRef T = new TableRef("public", "t");

  private final List<String> requests = new ArrayList<>();
  private final RecordAssembler assembler = new RecordAssembler(requests::add);

  @Test
  void aTransaction_becomesOneWalTransaction_withItsChangesInOrder() {
    assertThat(accept(begin(731, 100)).transaction()).isEmpty();
    accept(change("c", null, row("1", "a"), 731, 100));
    accept(change("u", null, row("1", "b"), 731, 110));
    accept(change("d", row("1", null), null, 731, 120));
    RecordAssembler.Outcome end = accept(end(731, 200));

    WalTransaction tx = end.transaction().orElseThrow();
    assertThat(tx.xid()).isEqualTo(731);
    assertThat(tx.commitLsn()).isEqualTo(new Lsn(100));
    assertThat(tx.endLsn()).isEqualTo(new Lsn(200));
    assertThat(tx.commitTime()).isEqualTo(Instant.ofEpochSecond(1_700_000_000L, 123_456_000));
    List<RowChange> changes = tx.changes().get(T);
    assertThat(changes)
        .extracting(RowChange::kind)
        .containsExactly(RowChange.Kind.INSERT, RowChange.Kind.UPDATE, RowChange.Kind.DELETE);
    assertThat(changes.get(0).newTuple().text(1)).isEqualTo("a");
    assertThat(changes.get(1).oldTuple()).isNull();
    assertThat(changes.get(2).oldTuple().text(0)).isEqualTo("1");
    assertThat(changes.get(2).oldTuple().kind(1)).isEqualTo(TupleData.NULL);
    assertThat(changes.get(0).relation().columnNames()).containsExactly("id", "v");
    assertThat(end.position()).isEqualTo(new Lsn(200));
    assertThat(end.idle()).isTrue();
  }

  @Test
  void theUnavailableValuePlaceholder_isAnUnchangedToastColumn() {
    accept(begin(5, 10));
    accept(change("u", row("1", "old"), row("1", RecordAssembler.UNCHANGED_TOAST), 5, 10));
    RowChange change = accept(end(5, 20)).transaction().orElseThrow().changes().get(T).get(0);
    assertThat(change.newTuple().kind(1)).isEqualTo(TupleData.UNCHANGED_TOAST);
    assertThat(change.oldTuple().text(1)).isEqualTo("old");
  }

  @Test
  void aTruncate_dropsTheTablesEarlierChanges_andMarksItTruncated() {
    accept(begin(6, 10));
    accept(change("c", null, row("1", "a"), 6, 10));
    accept(change("t", null, null, 6, 12));
    WalTransaction tx = accept(end(6, 20)).transaction().orElseThrow();
    assertThat(tx.truncated()).containsExactly(T);
    assertThat(tx.changes()).doesNotContainKey(T);
  }

  @Test
  void fencesAndRequests_travelWithTheirTransaction_andNonTransactionalRequestsAtOnce() {
    accept(begin(7, 10));
    accept(message("trickle.fence", "f-1", 7L, 11));
    accept(message("pgtrickle.request", "adopt 3", 7L, 12));
    assertThat(requests).isEmpty();
    WalTransaction tx = accept(end(7, 20)).transaction().orElseThrow();
    assertThat(tx.fences()).containsExactly("f-1");
    assertThat(requests).containsExactly("adopt 3");

    RecordAssembler.Outcome now = accept(message("pgtrickle.request", "call 9", null, 30));
    assertThat(requests).containsExactly("adopt 3", "call 9");
    assertThat(now.position()).isEqualTo(new Lsn(30));
    assertThat(assembler.lastPosition()).isEqualTo(new Lsn(30));
  }

  @Test
  void aHeartbeat_isAnIdlePosition_onlyOutsideATransaction() {
    RecordAssembler.Outcome idle = accept(heartbeat(40));
    assertThat(idle.position()).isEqualTo(new Lsn(40));
    assertThat(idle.idle()).isTrue();
    accept(begin(8, 50));
    RecordAssembler.Outcome inside = accept(heartbeat(55));
    assertThat(inside.position()).isNull();
    assertThat(inside.idle()).isFalse();
  }

  @Test
  void outOfOrderRecords_areRefused() {
    assertThatThrownBy(() -> accept(change("c", null, row("1", "a"), 9, 10)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("outside a transaction");
    accept(begin(9, 10));
    assertThatThrownBy(() -> accept(begin(10, 11)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("BEGIN inside transaction 9");
  }

  private RecordAssembler.Outcome accept(SourceRecord r) {
    return assembler.accept(r);
  }

  private static Struct row(String id, String v) {
    return new Struct(ROW).put("id", id).put("v", v);
  }

  private static Map<String, Object> offset(Long txId, long lsn) {
    Map<String, Object> o = new HashMap<>();
    o.put("lsn", lsn);
    o.put("ts_usec", 1_700_000_000_123_456L);
    if (txId != null) {
      o.put("txId", txId);
    }
    return o;
  }

  private static SourceRecord record(Map<String, Object> offset, Schema schema, Struct value) {
    return new SourceRecord(Map.of("server", "x"), offset, "topic", schema, value);
  }

  private static SourceRecord begin(long xid, long lsn) {
    return record(
        offset(xid, lsn), TX, new Struct(TX).put("status", "BEGIN").put("id", xid + ":" + lsn));
  }

  private static SourceRecord end(long xid, long lsn) {
    return record(
        offset(xid, lsn),
        TX,
        new Struct(TX).put("status", "END").put("id", xid + ":" + lsn).put("event_count", 1L));
  }

  private static SourceRecord change(String op, Struct before, Struct after, long xid, long lsn) {
    Struct source = new Struct(SOURCE).put("schema", "public").put("table", "t");
    return record(
        offset(xid, lsn),
        CHANGE,
        new Struct(CHANGE)
            .put("before", before)
            .put("after", after)
            .put("source", source)
            .put("op", op));
  }

  private static SourceRecord message(String prefix, String content, Long xid, long lsn) {
    Struct body =
        new Struct(MESSAGE_BODY)
            .put("prefix", prefix)
            .put("content", ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8)));
    return record(
        offset(xid, lsn), MESSAGE, new Struct(MESSAGE).put("op", "m").put("message", body));
  }

  private static SourceRecord heartbeat(long lsn) {
    return record(offset(null, lsn), HEARTBEAT, new Struct(HEARTBEAT).put("ts_ms", 1L));
  }
}
