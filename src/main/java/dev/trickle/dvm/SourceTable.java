package dev.trickle.dvm;

import dev.trickle.model.TableRef;
import java.util.List;

/**
 * A table a defining query reads, as the server describes it.
 *
 * @param table schema-qualified name
 * @param columns all columns in order
 * @param key primary-key (or replica identity index) columns; empty when the table has none
 * @param replicaIdentity {@code d}efault, {@code f}ull, {@code i}ndex or {@code n}othing
 * @param estimatedRows the planner's row estimate ({@code reltuples}), -1 when unknown
 * @param ownedByCurrentUser whether the connected role may alter the table (owns it, directly or
 *     through a role)
 */
public record SourceTable(
    TableRef table,
    List<Column> columns,
    List<Column> key,
    char replicaIdentity,
    long estimatedRows,
    boolean ownedByCurrentUser) {
  /** Copies the lists. */
  public SourceTable {
    columns = List.copyOf(columns);
    key = List.copyOf(key);
  }
}
