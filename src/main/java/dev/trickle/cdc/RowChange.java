package dev.trickle.cdc;

import dev.trickle.cdc.pgoutput.TupleData;

/**
 * One row change of a committed transaction.
 *
 * @param kind insert, update or delete
 * @param relation the table and its column layout at the time of the change
 * @param oldTuple the old row image (key columns only, or the full row under REPLICA IDENTITY
 *     FULL); null for inserts and for updates that did not change the key
 * @param newTuple the new row; null for deletes
 */
public record RowChange(
    Kind kind, SourceRelation relation, TupleData oldTuple, TupleData newTuple) {

  /** The kind of change. */
  public enum Kind {
    /** A new row. */
    INSERT,
    /** A changed row. */
    UPDATE,
    /** A removed row. */
    DELETE
  }

  /** Approximate bytes held in memory, for buffer accounting. */
  public long estimatedBytes() {
    return 48 + bytesOf(oldTuple) + bytesOf(newTuple);
  }

  private static long bytesOf(TupleData tuple) {
    if (tuple == null) {
      return 0;
    }
    long total = 16L * tuple.size();
    for (int i = 0; i < tuple.size(); i++) {
      String text = tuple.text(i);
      if (text != null) {
        total += 40 + 2L * text.length();
      }
    }
    return total;
  }
}
