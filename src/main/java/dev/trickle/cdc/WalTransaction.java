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
 */
public record WalTransaction(
    int xid,
    Lsn commitLsn,
    Lsn endLsn,
    Instant commitTime,
    Map<TableRef, List<RowChange>> changes,
    Set<TableRef> truncated,
    List<String> fences) {
  /** Copies the collections. */
  public WalTransaction {
    changes = Map.copyOf(changes);
    truncated = Set.copyOf(truncated);
    fences = List.copyOf(fences);
  }

  /** Every table the transaction changed or truncated, in WAL order of first change. */
  public java.util.Set<TableRef> touchedTables() {
    java.util.Set<TableRef> out = new java.util.LinkedHashSet<>(changes.keySet());
    out.addAll(truncated);
    return out;
  }

  /** Whether the transaction touched the table (rows or truncate). */
  public boolean touches(TableRef table) {
    return changes.containsKey(table) || truncated.contains(table);
  }

  /** Number of row changes on one table. */
  public int changeCount(TableRef table) {
    List<RowChange> rows = changes.get(table);
    return rows == null ? 0 : rows.size();
  }

  /** Approximate bytes held in memory. */
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
