package dev.trickle.cdc;

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
import dev.trickle.cdc.pgoutput.StreamAbort;
import dev.trickle.cdc.pgoutput.StreamCommit;
import dev.trickle.cdc.pgoutput.StreamStart;
import dev.trickle.cdc.pgoutput.StreamStop;
import dev.trickle.cdc.pgoutput.Truncate;
import dev.trickle.cdc.pgoutput.Type;
import dev.trickle.cdc.pgoutput.Update;
import dev.trickle.model.Lsn;
import dev.trickle.model.TableRef;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A small state machine that folds pgoutput messages (protocol version 1) into committed {@link
 * WalTransaction}s. Pure: messages in, transactions out; relation layouts are remembered from
 * Relation messages. Not thread-safe: one assembler per replication connection.
 */
public final class TransactionAssembler {
  /** Prefix of the logical decoding messages Trickle writes as fences. */
  public static final String FENCE_PREFIX = "trickle.fence";

  /**
   * Prefix of the non-transactional messages the SQL functions in schema {@code pgtrickle} write to
   * ask the service something (docs/ARCHITECTURE.md, "SQL functions").
   */
  public static final String REQUEST_PREFIX = "pgtrickle.request";

  private final Map<Integer, SourceRelation> relations = new HashMap<>();
  private final java.util.function.Consumer<String> requests;
  private Open open;

  /** An assembler that ignores requests. */
  public TransactionAssembler() {
    this(r -> {});
  }

  /**
   * An assembler that hands requests on.
   *
   * @param requests told the content of each request message: a non-transactional one as it
   *     arrives, a transactional one when its transaction commits (never when it aborts)
   */
  public TransactionAssembler(java.util.function.Consumer<String> requests) {
    this.requests = requests;
  }

  private static final class Open {
    final int xid;
    final Map<TableRef, List<RowChange>> changes = new LinkedHashMap<>();
    final Set<TableRef> truncated = new HashSet<>();
    final List<String> fences = new ArrayList<>();
    final List<String> requests = new ArrayList<>();

    Open(int xid) {
      this.xid = xid;
    }
  }

  /** Whether a transaction has begun and not yet committed. */
  public boolean inTransaction() {
    return open != null;
  }

  /**
   * Feeds one message.
   *
   * @param message the decoded message
   * @return the transaction completed by this message (a Commit), if any
   * @throws IllegalStateException when messages arrive out of protocol order
   */
  public Optional<WalTransaction> accept(PgOutputMessage message) {
    if (message instanceof Begin b) {
      requireClosed("Begin");
      open = new Open(b.xid());
    } else if (message instanceof Commit c) {
      Open tx = requireOpen("Commit");
      open = null;
      tx.requests.forEach(requests);
      return Optional.of(
          new WalTransaction(
              tx.xid,
              new Lsn(c.commitLsn()),
              new Lsn(c.endLsn()),
              PgTime.toInstant(c.commitTimeMicros()),
              tx.changes,
              tx.truncated,
              tx.fences));
    } else if (message instanceof Relation r) {
      relations.put(r.relationId(), toSource(r));
    } else if (message instanceof Insert i) {
      add(new RowChange(RowChange.Kind.INSERT, relation(i.relationId()), null, i.newTuple()));
    } else if (message instanceof Update u) {
      add(
          new RowChange(
              RowChange.Kind.UPDATE, relation(u.relationId()), u.oldTuple(), u.newTuple()));
    } else if (message instanceof Delete d) {
      add(new RowChange(RowChange.Kind.DELETE, relation(d.relationId()), d.oldTuple(), null));
    } else if (message instanceof Truncate t) {
      Open tx = requireOpen("Truncate");
      for (int id : t.relationIds()) {
        tx.truncated.add(relation(id).table());
        tx.changes.remove(relation(id).table());
      }
    } else if (message instanceof LogicalMessage m) {
      if (m.transactional() && m.prefix().equals(FENCE_PREFIX)) {
        requireOpen("Message").fences.add(new String(m.content(), StandardCharsets.UTF_8));
      } else if (m.prefix().equals(REQUEST_PREFIX)) {
        String content = new String(m.content(), StandardCharsets.UTF_8);
        if (m.transactional()) {
          requireOpen("Message").requests.add(content);
        } else {
          requests.accept(content);
        }
      }
    } else if (message instanceof Type || message instanceof Origin) {
      return Optional.empty();
    } else if (message instanceof StreamStart
        || message instanceof StreamStop
        || message instanceof StreamCommit
        || message instanceof StreamAbort) {
      throw new IllegalStateException("streamed transactions are not enabled on this connection");
    }
    return Optional.empty();
  }

  private void add(RowChange change) {
    requireOpen("row change")
        .changes
        .computeIfAbsent(change.relation().table(), t -> new ArrayList<>())
        .add(change);
  }

  private SourceRelation relation(int relationId) {
    SourceRelation r = relations.get(relationId);
    if (r == null) {
      throw new IllegalStateException("row change for unknown relation id " + relationId);
    }
    return r;
  }

  private Open requireOpen(String what) {
    if (open == null) {
      throw new IllegalStateException(what + " outside a transaction");
    }
    return open;
  }

  private void requireClosed(String what) {
    if (open != null) {
      throw new IllegalStateException(what + " inside transaction " + open.xid);
    }
  }

  private static SourceRelation toSource(Relation r) {
    List<String> names = new ArrayList<>(r.columns().size());
    for (RelationColumn c : r.columns()) {
      names.add(c.name());
    }
    return new SourceRelation(
        r.relationId(), new TableRef(r.namespace(), r.name()), names, r.replicaIdentity());
  }
}
