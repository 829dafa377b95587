package dev.trickle.cdc;

import dev.trickle.model.TableRef;
import java.util.List;

/**
 * A source table as the replication stream describes it (pgoutput Relation message).
 *
 * @param relationId the table's OID
 * @param table schema-qualified name
 * @param columnNames column names in tuple order
 * @param replicaIdentity {@code d}efault, {@code f}ull, {@code i}ndex or {@code n}othing
 */
public record SourceRelation(
    int relationId, TableRef table, List<String> columnNames, char replicaIdentity) {
  /** Copies the column list. */
  public SourceRelation {
    columnNames = List.copyOf(columnNames);
  }

  /**
   * Position of a column in tuples of this relation.
   *
   * @param column the column name
   * @return the 0-based index, or -1 when absent
   */
  public int indexOf(String column) {
    return columnNames.indexOf(column);
  }
}
