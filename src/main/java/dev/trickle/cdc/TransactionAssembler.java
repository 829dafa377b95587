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
import java.util.function.Supplier;

/**
 * A small state machine that folds pgoutput messages (protocol versions 1 and 2) into committed
 * {@link WalTransaction}s. Messages in, transactions out; relation layouts are remembered from
 * Relation messages. Not thread-safe: one assembler per replication connection.
 *
 * <p>Large transactions (docs/ARCHITECTURE.md, "Large transactions"): an ordinary transaction whose
 * changes outgrow the spill threshold moves them to a {@link SpillFile} and writes the rest there
 * as they arrive. A transaction the server streams in progress (protocol 2, {@code streaming on})
 * arrives in blocks between StreamStart and StreamStop, interleaved with other transactions; its
 * changes go to its own spill file from the first one, each marked with the (sub)transaction that
 * made it. StreamAbort of the whole transaction deletes the file; StreamAbort of a subtransaction
 * leaves that subtransaction's changes (and its truncates, fences and requests) out; StreamCommit
 * turns the rest into one committed transaction at the commit's position.
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
  private final Supplier<SpillFile> spillFiles;
  private final long spillThresholdBytes;
  private Open open;

  /** Streamed transactions received in part, by top-level xid. */
  private final Map<Integer, Open> streams = new LinkedHashMap<>();

  /** The streamed transaction whose block is being received (between StreamStart and Stop). */
  private Open block;

  /** An assembler that ignores requests and holds every transaction in memory. */
  public TransactionAssembler() {
    this(r -> {});
  }

  /**
   * An assembler that hands requests on and holds every transaction in memory (streamed
   * transactions are refused).
   *
   * @param requests told the content of each request message: a non-transactional one as it
   *     arrives, a transactional one when its transaction commits (never when it aborts)
   */
  public TransactionAssembler(java.util.function.Consumer<String> requests) {
    this(requests, null, Long.MAX_VALUE);
  }

  /**
   * An assembler that hands requests on and spills large transactions.
   *
   * @param requests as above
   * @param spillFiles creates spill files; null to hold everything in memory and refuse streamed
   *     transactions
   * @param spillThresholdBytes an ordinary transaction whose changes take more (as estimated) is
   *     moved to a spill file
   */
  public TransactionAssembler(
      java.util.function.Consumer<String> requests,
      Supplier<SpillFile> spillFiles,
      long spillThresholdBytes) {
    this.requests = requests;
    this.spillFiles = spillFiles;
    this.spillThresholdBytes = spillThresholdBytes;
  }

  /** Something of a transaction tagged with the (sub)transaction that did it. */
  private record Tagged<T>(int subXid, T value) {}

  private static final class Open {
    final int xid;
    final boolean streamed;
    final Map<TableRef, List<RowChange>> changes = new LinkedHashMap<>();
    final List<Tagged<TableRef>> truncated = new ArrayList<>();
    final List<Tagged<String>> fences = new ArrayList<>();
    final List<Tagged<String>> requests = new ArrayList<>();
    final Set<Integer> aborted = new HashSet<>();
    SpillFile spill;
    long bytes;

    Open(int xid, boolean streamed) {
      this.xid = xid;
      this.streamed = streamed;
    }

    <T> List<T> live(List<Tagged<T>> tagged) {
      List<T> out = new ArrayList<>();
      for (Tagged<T> t : tagged) {
        if (!aborted.contains(t.subXid())) {
          out.add(t.value());
        }
      }
      return out;
    }

    void discard() {
      if (spill != null) {
        spill.discard();
        spill = null;
      }
    }
  }

  /**
   * Whether the reader is inside a transaction's messages: an ordinary transaction has begun and
   * not committed, or a block of a streamed one is being received. Between the blocks of a streamed
   * transaction it is not: positions received then may be confirmed, since the streamed transaction
   * occupies the position of its commit, which has not been received.
   */
  public boolean inTransaction() {
    return open != null || block != null;
  }

  /** Whether the next message belongs to a stream block (its changes carry an xid). */
  public boolean inStreamBlock() {
    return block != null;
  }

  /** Streamed transactions received in part (neither committed nor aborted yet). */
  public int openStreams() {
    return streams.size();
  }

  /**
   * Deletes the spill files of transactions that will never complete on this connection (it was
   * lost or closed); a new connection receives them again.
   */
  public void discardOpen() {
    if (open != null) {
      open.discard();
      open = null;
    }
    streams.values().forEach(Open::discard);
    streams.clear();
    block = null;
  }

  /**
   * Feeds one message.
   *
   * @param message the decoded message
   * @return the transaction completed by this message (a Commit or StreamCommit), if any
   * @throws IllegalStateException when messages arrive out of protocol order
   */
  public Optional<WalTransaction> accept(PgOutputMessage message) {
    if (message instanceof Begin b) {
      requireClosed("Begin");
      open = new Open(b.xid(), false);
    } else if (message instanceof Commit c) {
      Open tx = requireOpen("Commit");
      open = null;
      return Optional.of(finish(tx, c.commitLsn(), c.endLsn(), c.commitTimeMicros()));
    } else if (message instanceof StreamStart s) {
      requireClosed("StreamStart");
      Open tx = streams.get(s.xid());
      if (tx == null || s.firstSegment()) {
        if (tx != null) {
          tx.discard(); // sent again from its start: what came before is superseded
        }
        if (spillFiles == null) {
          throw new IllegalStateException(
              "streamed transactions are not enabled on this connection");
        }
        tx = new Open(s.xid(), true);
        streams.put(s.xid(), tx);
      }
      block = tx;
    } else if (message instanceof StreamStop) {
      if (block == null) {
        throw new IllegalStateException("StreamStop outside a stream block");
      }
      block = null;
    } else if (message instanceof StreamCommit c) {
      requireClosed("StreamCommit");
      Open tx = streams.remove(c.xid());
      if (tx == null) {
        throw new IllegalStateException(
            "StreamCommit of transaction " + c.xid() + " never started");
      }
      return Optional.of(finish(tx, c.commitLsn(), c.endLsn(), c.commitTimeMicros()));
    } else if (message instanceof StreamAbort a) {
      requireClosed("StreamAbort");
      Open tx = streams.get(a.xid());
      if (tx != null) {
        if (a.subXid() == a.xid()) {
          streams.remove(a.xid());
          tx.discard();
        } else {
          tx.aborted.add(a.subXid());
        }
      }
    } else if (message instanceof Relation r) {
      relations.put(r.relationId(), toSource(r));
    } else if (message instanceof Insert i) {
      add(
          i.xid(),
          new RowChange(RowChange.Kind.INSERT, relation(i.relationId()), null, i.newTuple()));
    } else if (message instanceof Update u) {
      add(
          u.xid(),
          new RowChange(
              RowChange.Kind.UPDATE, relation(u.relationId()), u.oldTuple(), u.newTuple()));
    } else if (message instanceof Delete d) {
      add(
          d.xid(),
          new RowChange(RowChange.Kind.DELETE, relation(d.relationId()), d.oldTuple(), null));
    } else if (message instanceof Truncate t) {
      Open tx = current("Truncate");
      int sub = subXid(tx, t.xid());
      for (int id : t.relationIds()) {
        TableRef table = relation(id).table();
        tx.truncated.add(new Tagged<>(sub, table));
        // held in memory, earlier rows of the table go; a spilled transaction keeps them, which
        // is harmless: a truncated source is recomputed (FULL), its rows never read
        tx.changes.remove(table);
      }
    } else if (message instanceof LogicalMessage m) {
      if (m.transactional() && m.prefix().equals(FENCE_PREFIX)) {
        Open tx = current("Message");
        tx.fences.add(
            new Tagged<>(subXid(tx, m.xid()), new String(m.content(), StandardCharsets.UTF_8)));
      } else if (m.prefix().equals(REQUEST_PREFIX)) {
        String content = new String(m.content(), StandardCharsets.UTF_8);
        if (m.transactional()) {
          Open tx = current("Message");
          tx.requests.add(new Tagged<>(subXid(tx, m.xid()), content));
        } else {
          requests.accept(content);
        }
      }
    } else if (message instanceof Type || message instanceof Origin) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  private WalTransaction finish(Open tx, long commitLsn, long endLsn, long commitTimeMicros) {
    tx.live(tx.requests).forEach(requests);
    SpilledChanges spilled = tx.spill == null ? null : tx.spill.seal(tx.aborted);
    return new WalTransaction(
        tx.xid,
        new Lsn(commitLsn),
        new Lsn(endLsn),
        PgTime.toInstant(commitTimeMicros),
        spilled == null ? tx.changes : Map.of(),
        new HashSet<>(tx.live(tx.truncated)),
        tx.live(tx.fences),
        spilled);
  }

  /** The transaction a change belongs to: the open one, or the streamed one of this block. */
  private Open current(String what) {
    if (block != null) {
      return block;
    }
    return requireOpen(what);
  }

  /** The (sub)transaction a message names: its own xid inside a stream block. */
  private static int subXid(Open tx, int messageXid) {
    return tx.streamed ? messageXid : tx.xid;
  }

  private void add(int messageXid, RowChange change) {
    Open tx = current("row change");
    if (tx.streamed) {
      if (tx.spill == null) {
        tx.spill = spillFiles.get();
      }
      tx.spill.write(messageXid, change);
      return;
    }
    if (tx.spill != null) {
      tx.spill.write(tx.xid, change);
      return;
    }
    tx.changes.computeIfAbsent(change.relation().table(), t -> new ArrayList<>()).add(change);
    tx.bytes += change.estimatedBytes();
    if (spillFiles != null && tx.bytes > spillThresholdBytes) {
      // too large for the heap: what was held goes to a file, the rest follows it there
      tx.spill = spillFiles.get();
      for (List<RowChange> rows : tx.changes.values()) {
        for (RowChange row : rows) {
          tx.spill.write(tx.xid, row);
        }
      }
      tx.changes.clear();
    }
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
    if (block != null) {
      throw new IllegalStateException(what + " inside a stream block of transaction " + block.xid);
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
