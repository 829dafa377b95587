package dev.trickle.cdc.debezium;

import dev.trickle.cdc.RowChange;
import dev.trickle.cdc.SourceRelation;
import dev.trickle.cdc.TransactionAssembler;
import dev.trickle.cdc.WalTransaction;
import dev.trickle.cdc.pgoutput.TupleData;
import dev.trickle.model.Lsn;
import dev.trickle.model.TableRef;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.kafka.connect.data.Field;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Folds the Debezium PostgreSQL connector's records (with {@code provide.transaction.metadata} on)
 * into the committed {@link WalTransaction}s the native reader produces. Pure: records in,
 * transactions out. Not thread-safe: one assembler per engine.
 *
 * <p>A transaction's {@code commitLsn} is the position of its BEGIN event, which pgoutput sends at
 * the transaction's first WAL record: it is unique, and no later than the commit record, so
 * confirming up to just before it never skips the transaction. Its {@code endLsn} is the position
 * of the END event: the end of the commit record, as with the native reader.
 */
public final class RecordAssembler {
  /** The connector's placeholder for an unchanged TOASTed value (its default). */
  public static final String UNCHANGED_TOAST = "__debezium_unavailable_value";

  private final Consumer<String> requests;
  private final Map<TableRef, SourceRelation> relations = new HashMap<>();
  private Open open;
  private Lsn lastPosition = Lsn.ZERO;

  /**
   * What one record meant for the position the slot may be confirmed to.
   *
   * @param transaction the transaction the record completed, if any
   * @param position the record's position when confirming up to it is meaningful (the end of a
   *     transaction, or a heartbeat or non-transactional message outside any transaction); null
   *     otherwise
   * @param idle whether no transaction is open after the record
   */
  public record Outcome(Optional<WalTransaction> transaction, Lsn position, boolean idle) {}

  private static final class Open {
    final long xid;
    final Lsn beginLsn;
    final Instant commitTime;
    final Map<TableRef, List<RowChange>> changes = new LinkedHashMap<>();
    final Set<TableRef> truncated = new HashSet<>();
    final List<String> fences = new ArrayList<>();
    final List<String> requests = new ArrayList<>();

    Open(long xid, Lsn beginLsn, Instant commitTime) {
      this.xid = xid;
      this.beginLsn = beginLsn;
      this.commitTime = commitTime;
    }
  }

  /**
   * An assembler.
   *
   * @param requests told the content of each SQL request message: a non-transactional one as it
   *     arrives, a transactional one when its transaction ends
   */
  public RecordAssembler(Consumer<String> requests) {
    this.requests = requests;
  }

  /** The highest position of any record seen. */
  public Lsn lastPosition() {
    return lastPosition;
  }

  /**
   * Feeds one record.
   *
   * @param record a record of the engine
   * @return what it completed and where it leaves the stream
   * @throws IllegalStateException when records arrive out of transaction order
   */
  public Outcome accept(SourceRecord record) {
    Map<String, ?> offset = record.sourceOffset();
    Lsn lsn = offset == null ? null : lsnOf(offset.get("lsn"));
    if (lsn != null) {
      lastPosition = lastPosition.max(lsn);
    }
    if (!(record.value() instanceof Struct value)) {
      return new Outcome(Optional.empty(), null, open == null); // a tombstone
    }
    if (value.schema().field("status") != null && value.schema().field("id") != null) {
      return transactionEvent(value, offset, lsn);
    }
    if (value.schema().field("message") != null) {
      return message(value, offset, lsn);
    }
    if (value.schema().field("op") != null && value.schema().field("source") != null) {
      change(value);
      return new Outcome(Optional.empty(), null, false);
    }
    // a heartbeat: the connector's position while nothing else arrives
    return new Outcome(Optional.empty(), open == null ? lsn : null, open == null);
  }

  private Outcome transactionEvent(Struct value, Map<String, ?> offset, Lsn lsn) {
    String status = value.getString("status");
    if ("BEGIN".equals(status)) {
      if (open != null) {
        throw new IllegalStateException("BEGIN inside transaction " + open.xid);
      }
      open = new Open(xidOf(value, offset), lsn, commitTime(offset));
      return new Outcome(Optional.empty(), null, false);
    }
    if (!"END".equals(status)) {
      throw new IllegalStateException("unknown transaction status " + status);
    }
    Open tx = requireOpen("END");
    open = null;
    tx.requests.forEach(requests);
    WalTransaction done =
        new WalTransaction(
            (int) tx.xid, tx.beginLsn, lsn, tx.commitTime, tx.changes, tx.truncated, tx.fences);
    return new Outcome(Optional.of(done), lsn, true);
  }

  private Outcome message(Struct value, Map<String, ?> offset, Lsn lsn) {
    Struct message = value.getStruct("message");
    String prefix = message.getString("prefix");
    String content = text(message.get("content"));
    boolean transactional = offset != null && offset.get("txId") != null && open != null;
    if (transactional) {
      if (prefix.equals(TransactionAssembler.FENCE_PREFIX)) {
        open.fences.add(content);
      } else if (prefix.equals(TransactionAssembler.REQUEST_PREFIX)) {
        open.requests.add(content);
      }
      return new Outcome(Optional.empty(), null, false);
    }
    if (prefix.equals(TransactionAssembler.REQUEST_PREFIX)) {
      requests.accept(content);
    }
    return new Outcome(Optional.empty(), open == null ? lsn : null, open == null);
  }

  private void change(Struct value) {
    Open tx = requireOpen("row change");
    Struct source = value.getStruct("source");
    TableRef table = new TableRef(source.getString("schema"), source.getString("table"));
    String op = value.getString("op");
    if ("t".equals(op)) {
      tx.truncated.add(table);
      tx.changes.remove(table);
      return;
    }
    Struct before = value.getStruct("before");
    Struct after = value.getStruct("after");
    Struct any = after != null ? after : before;
    if (any == null) {
      throw new IllegalStateException("change without row images on " + table);
    }
    SourceRelation relation = relation(table, any);
    RowChange change =
        switch (op) {
          case "c", "r" -> new RowChange(RowChange.Kind.INSERT, relation, null, tuple(after));
          case "u" -> new RowChange(RowChange.Kind.UPDATE, relation, tuple(before), tuple(after));
          case "d" -> new RowChange(RowChange.Kind.DELETE, relation, tuple(before), null);
          default -> throw new IllegalStateException("unknown operation " + op + " on " + table);
        };
    tx.changes.computeIfAbsent(table, t -> new ArrayList<>()).add(change);
  }

  private SourceRelation relation(TableRef table, Struct row) {
    SourceRelation known = relations.get(table);
    List<Field> fields = row.schema().fields();
    if (known != null && sameColumns(known, fields)) {
      return known;
    }
    List<String> names = new ArrayList<>(fields.size());
    for (Field f : fields) {
      names.add(f.name());
    }
    SourceRelation fresh = new SourceRelation(0, table, names, '?');
    relations.put(table, fresh);
    return fresh;
  }

  private static boolean sameColumns(SourceRelation relation, List<Field> fields) {
    if (relation.columnNames().size() != fields.size()) {
      return false;
    }
    for (int i = 0; i < fields.size(); i++) {
      if (!relation.columnNames().get(i).equals(fields.get(i).name())) {
        return false;
      }
    }
    return true;
  }

  private static TupleData tuple(Struct row) {
    if (row == null) {
      return null;
    }
    TupleData.Builder b = TupleData.builder();
    for (Field f : row.schema().fields()) {
      Object v = row.get(f);
      if (v == null) {
        b.addNull();
      } else {
        String text = v instanceof String s ? s : PgText.of(v);
        if (text.equals(UNCHANGED_TOAST)) {
          b.addUnchangedToast();
        } else {
          b.addText(text);
        }
      }
    }
    return b.build();
  }

  private Open requireOpen(String what) {
    if (open == null) {
      throw new IllegalStateException(what + " outside a transaction");
    }
    return open;
  }

  private static long xidOf(Struct value, Map<String, ?> offset) {
    Object txId = offset == null ? null : offset.get("txId");
    if (txId instanceof Number n) {
      return n.longValue();
    }
    String id = value.getString("id");
    int colon = id.indexOf(':');
    return Long.parseLong(colon < 0 ? id : id.substring(0, colon));
  }

  private static Instant commitTime(Map<String, ?> offset) {
    Object micros = offset == null ? null : offset.get("ts_usec");
    if (micros instanceof Number n) {
      long us = n.longValue();
      return Instant.ofEpochSecond(
          Math.floorDiv(us, 1_000_000L), Math.floorMod(us, 1_000_000L) * 1000);
    }
    return Instant.now();
  }

  private static Lsn lsnOf(Object value) {
    return value instanceof Number n ? new Lsn(n.longValue()) : null;
  }

  private static String text(Object content) {
    if (content instanceof ByteBuffer buf) {
      ByteBuffer copy = buf.duplicate();
      byte[] bytes = new byte[copy.remaining()];
      copy.get(bytes);
      return new String(bytes, StandardCharsets.UTF_8);
    }
    if (content instanceof byte[] bytes) {
      return new String(bytes, StandardCharsets.UTF_8);
    }
    return String.valueOf(content);
  }
}
