package dev.trickle.cdc;

import dev.trickle.model.Lsn;
import dev.trickle.model.TableRef;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A committed source transaction as received from the replication stream.
 *
 * @param xid 32-bit transaction id as pgoutput sends it
 * @param commitLsn LSN of the commit record
 * @param endLsn LSN just past the commit record
 * @param commitTime commit timestamp (needs {@code track_commit_timestamp} only for SQL lookups;
 *     pgoutput always sends it)
 * @param changes row changes per source table, in WAL order
 * @param truncated source tables truncated by this transaction
 * @param fences fence ids carried by this transaction's logical decoding messages
 * @param spilled the row changes when they live in a spill file rather than in {@code changes}
 *     (then empty), or null
 */
public record WalTransaction(
    int xid,
    Lsn commitLsn,
    Lsn endLsn,
    Instant commitTime,
    Map<TableRef, List<RowChange>> changes,
    Set<TableRef> truncated,
    List<String> fences,
    SpilledChanges spilled) {
  /** Copies the collections. */
  public WalTransaction {
    changes = Map.copyOf(changes);
    truncated = Set.copyOf(truncated);
    fences = List.copyOf(fences);
    if (spilled != null && !changes.isEmpty()) {
      throw new IllegalArgumentException("a spilled transaction holds no changes in memory");
    }
  }

  /** A transaction whose changes are held in memory. */
  public WalTransaction(
      int xid,
      Lsn commitLsn,
      Lsn endLsn,
      Instant commitTime,
      Map<TableRef, List<RowChange>> changes,
      Set<TableRef> truncated,
      List<String> fences) {
    this(xid, commitLsn, endLsn, commitTime, changes, truncated, fences, null);
  }

  /** Whether its row changes live in a spill file. */
  public boolean isSpilled() {
    return spilled != null;
  }

  /** Deletes its spill file, if any (again does nothing). */
  public void discardSpill() {
    if (spilled != null) {
      spilled.delete();
    }
  }

  /** Every table the transaction changed or truncated, in WAL order of first change. */
  public java.util.Set<TableRef> touchedTables() {
    java.util.Set<TableRef> out =
        new java.util.LinkedHashSet<>(
            spilled == null ? changes.keySet() : spilled.counts().keySet());
    out.addAll(truncated);
    return out;
  }

  /** Whether the transaction touched the table (rows or truncate). */
  public boolean touches(TableRef table) {
    return changeCount(table) > 0 || truncated.contains(table);
  }

  /** Number of row changes on one table. */
  public long changeCount(TableRef table) {
    if (spilled != null) {
      return spilled.count(table);
    }
    List<RowChange> rows = changes.get(table);
    return rows == null ? 0 : rows.size();
  }

  /**
   * The row changes on one table, in WAL order: from memory, or read from the spill file as
   * iterated.
   */
  public Iterable<RowChange> rows(TableRef table) {
    if (spilled != null) {
      return spilled.rows(table);
    }
    List<RowChange> rows = changes.get(table);
    return rows == null ? List.of() : rows;
  }

  /** Approximate bytes held in memory (a spilled transaction's rows are on disk, not counted). */
  public long estimatedBytes() {
    long total = 128;
    for (List<RowChange> rows : changes.values()) {
      for (RowChange row : rows) {
        total += row.estimatedBytes();
      }
    }
    return total;
  }
}
