package dev.trickle.cdc;

import dev.trickle.model.Lsn;
import dev.trickle.model.PgSnapshot;
import dev.trickle.model.TableRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Holds the received transactions that some stream table has not yet absorbed, and derives from
 * them how far the replication slot may be confirmed (DESIGN-BRIEF §2).
 *
 * <p>A transaction is pending for a stream table when it touches one of the table's sources and is
 * not visible in the table's frontier. It leaves the store once every such stream table has stored
 * a frontier that includes it. The slot may be confirmed up to just before the oldest transaction
 * still pending; with nothing pending, up to the last position received.
 *
 * <p>Pure and thread-safe (one monitor): the reader thread appends, refresh workers read deltas and
 * complete them.
 */
public final class ChangeStore {
  private final Map<Long, Table> tables = new HashMap<>();
  private final TreeMap<Lsn, Pending> ledger = new TreeMap<>();
  private Lsn received = Lsn.ZERO;
  private long bytes;
  private long absorbed;

  private static final class Table {
    final Set<TableRef> sources;
    PgSnapshot frontier;
    final List<WalTransaction> pending = new ArrayList<>();
    final Set<Lsn> pendingLsns = new HashSet<>();
    long pendingBytes;

    Table(Set<TableRef> sources, PgSnapshot frontier) {
      this.sources = Set.copyOf(sources);
      this.frontier = frontier;
    }

    boolean includes(WalTransaction tx) {
      return frontier != null && frontier.isVisible32(tx.xid());
    }
  }

  private static final class Pending {
    final Set<Long> waiting = new HashSet<>();
    final long bytes;
    final java.time.Instant commitTime;

    /** The transaction as first appended: its spill file goes when it leaves the store. */
    final WalTransaction tx;

    Pending(WalTransaction tx) {
      this.bytes = tx.estimatedBytes();
      this.commitTime = tx.commitTime();
      this.tx = tx;
    }
  }

  /**
   * Starts tracking a stream table.
   *
   * @param id the stream table id
   * @param sources the source tables it reads
   * @param frontier its stored frontier, or null while its initial fill has not committed (then
   *     every transaction touching its sources stays pending until {@link #complete})
   */
  public synchronized void register(long id, Set<TableRef> sources, PgSnapshot frontier) {
    tables.put(id, new Table(sources, frontier));
  }

  /** Stops tracking a stream table and releases what only it was waiting for. */
  public synchronized void unregister(long id) {
    Table t = tables.remove(id);
    if (t != null) {
      for (WalTransaction tx : t.pending) {
        release(tx, id);
      }
    }
  }

  /**
   * Adds a committed transaction: its part for every table it touched, then its end.
   *
   * @param tx the transaction
   */
  public synchronized void append(WalTransaction tx) {
    for (TableRef table : tx.touchedTables()) {
      append(tx, table);
    }
    transactionEnd(tx);
  }

  /**
   * Adds one table's part of a committed transaction: the transaction becomes pending for every
   * stream table that reads this table and whose frontier does not include it. A part delivered
   * again (after a reconnect) is ignored.
   *
   * @param tx the transaction
   * @param table one of the tables it touched
   */
  public synchronized void append(WalTransaction tx, TableRef table) {
    for (Map.Entry<Long, Table> e : tables.entrySet()) {
      Table t = e.getValue();
      if (!t.sources.contains(table) || t.includes(tx) || !t.pendingLsns.add(tx.commitLsn())) {
        continue;
      }
      Pending entry = ledger.get(tx.commitLsn());
      if (entry == null) {
        entry = new Pending(tx);
        ledger.put(tx.commitLsn(), entry);
        bytes += entry.bytes;
      }
      entry.waiting.add(e.getKey());
      // the transaction as first appended (a second delivery's spill file is deleted at its end)
      t.pending.add(entry.tx);
      t.pendingBytes += entry.bytes;
    }
  }

  /**
   * Adds one table's parts of several committed transactions, in commit order: one batch of a
   * window, under one lock.
   *
   * @param table a table they all touched
   * @param txs the transactions
   */
  public synchronized void appendAll(TableRef table, List<WalTransaction> txs) {
    for (WalTransaction tx : txs) {
      append(tx, table);
    }
  }

  /**
   * Records that every part of a transaction has been appended. A spilled transaction that no
   * stream table waits for (none reads its tables, every frontier includes it, or it was delivered
   * again while the first delivery is pending) has its spill file deleted now.
   *
   * @param tx the transaction
   */
  public synchronized void transactionEnd(WalTransaction tx) {
    received = received.max(tx.endLsn());
    if (tx.isSpilled()) {
      Pending entry = ledger.get(tx.commitLsn());
      if (entry == null || entry.tx.spilled() != tx.spilled()) {
        tx.discardSpill();
      }
    }
  }

  /**
   * Records a position received while no transaction was open (keepalive): with nothing pending the
   * slot may be confirmed that far.
   */
  public synchronized void noteIdlePosition(Lsn position) {
    received = received.max(position);
  }

  /** Whether the stream table has received changes it has not absorbed. */
  public synchronized boolean hasPending(long id) {
    Table t = tables.get(id);
    return t != null && !t.pending.isEmpty();
  }

  /**
   * Approximate bytes of a stream table's pending transactions (a transaction pending for several
   * stream tables counts for each).
   */
  public synchronized long pendingBytes(long id) {
    Table t = tables.get(id);
    return t == null ? 0 : t.pendingBytes;
  }

  /** Number of pending transactions of a stream table. */
  public synchronized int pendingCount(long id) {
    Table t = tables.get(id);
    return t == null ? 0 : t.pending.size();
  }

  /**
   * Number of row changes, to the stream table's sources, in its pending transactions (a refresh
   * may find more: those that arrive before its fence comes back).
   */
  public synchronized long pendingChanges(long id) {
    Table t = tables.get(id);
    long n = 0;
    if (t != null) {
      for (WalTransaction tx : t.pending) {
        for (TableRef source : t.sources) {
          n += tx.changeCount(source);
        }
      }
    }
    return n;
  }

  /**
   * The delta of a refresh: pending transactions visible in the refresh snapshot. Call it only
   * after the refresh's fence came back, so that every such transaction has been received.
   *
   * @param id the stream table
   * @param snapshot the refresh snapshot
   * @return the transactions, in commit order
   */
  public synchronized List<WalTransaction> deltaFor(long id, PgSnapshot snapshot) {
    Table t = tables.get(id);
    if (t == null) {
      return List.of();
    }
    List<WalTransaction> out = new ArrayList<>();
    for (WalTransaction tx : t.pending) {
      if (snapshot.isVisible32(tx.xid())) {
        out.add(tx);
      }
    }
    return out;
  }

  /**
   * Records that a stream table committed a new frontier: every pending transaction visible in it
   * is absorbed.
   *
   * @param id the stream table
   * @param frontier the new frontier
   * @return the transactions absorbed, in commit order
   */
  public synchronized List<WalTransaction> complete(long id, PgSnapshot frontier) {
    Table t = tables.get(id);
    List<WalTransaction> absorbed = new ArrayList<>();
    if (t == null) {
      return absorbed;
    }
    t.frontier = frontier;
    Iterator<WalTransaction> it = t.pending.iterator();
    while (it.hasNext()) {
      WalTransaction tx = it.next();
      if (frontier.isVisible32(tx.xid())) {
        it.remove();
        t.pendingLsns.remove(tx.commitLsn());
        Pending entry = ledger.get(tx.commitLsn());
        t.pendingBytes -= entry == null ? 0 : entry.bytes;
        release(tx, id);
        absorbed.add(tx);
      }
    }
    this.absorbed += absorbed.size();
    return absorbed;
  }

  /** How many (stream table, transaction) pairs have been absorbed since start. */
  public synchronized long absorbedCount() {
    return absorbed;
  }

  private void release(WalTransaction tx, long id) {
    Pending entry = ledger.get(tx.commitLsn());
    if (entry != null && entry.waiting.remove(id) && entry.waiting.isEmpty()) {
      ledger.remove(tx.commitLsn());
      bytes -= entry.bytes;
      entry.tx.discardSpill(); // absorbed by every stream table that reads it
    }
  }

  /**
   * How far the slot may be confirmed: just before the oldest pending transaction's commit, or the
   * last received position when nothing is pending.
   */
  public synchronized Lsn confirmable() {
    if (ledger.isEmpty()) {
      return received;
    }
    long first = ledger.firstKey().value();
    return new Lsn(Math.max(0, first - 1));
  }

  /**
   * How long ago the oldest transaction some stream table has not absorbed was committed.
   *
   * @param now the time to measure from
   * @return seconds, 0 when nothing is pending
   */
  public synchronized double oldestPendingAgeSeconds(java.time.Instant now) {
    if (ledger.isEmpty()) {
      return 0;
    }
    java.time.Instant oldest = ledger.firstEntry().getValue().commitTime;
    return Math.max(0, java.time.Duration.between(oldest, now).toNanos() / 1e9);
  }

  /**
   * Approximate bytes of pending changes held in memory; the rows of spilled transactions are on
   * disk and not counted.
   */
  public synchronized long bytes() {
    return bytes;
  }

  /** Number of transactions some stream table still waits for. */
  public synchronized int pendingTransactions() {
    return ledger.size();
  }
}
