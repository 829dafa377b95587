package dev.trickle.cdc.pgoutput;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Update ({@code 'U'}): a changed row.
 *
 * <p>The old row is sent only when the replica identity requires it: with {@code oldKind} {@code
 * 'K'} it holds only the key columns (others are {@link TupleData#NULL}); with {@code 'O'} it is
 * the full old row (replica identity FULL). When it is absent, {@code oldTuple} is {@code null} and
 * {@code oldKind} is {@code '\0'}.
 *
 * @param xid inside a streamed block, the id of the transaction that made the change: the streamed
 *     transaction's xid or, for changes made in a subtransaction (after a SAVEPOINT), that
 *     subtransaction's own xid, so it may differ from the {@link StreamStart#xid()}; 0 outside a
 *     streamed block
 * @param relationId the OID of the relation
 * @param oldTuple the old key or old row, or {@code null} when not sent
 * @param oldKind {@code 'K'}, {@code 'O'} or {@code '\0'} when {@code oldTuple} is null
 * @param newTuple the new row; unchanged TOASTed columns are {@link TupleData#UNCHANGED_TOAST}
 */
public record Update(int xid, int relationId, TupleData oldTuple, char oldKind, TupleData newTuple)
    implements PgOutputMessage {

  /** Validates components. */
  public Update {
    Objects.requireNonNull(newTuple, "newTuple");
    if (oldTuple == null ? oldKind != '\0' : oldKind != 'K' && oldKind != 'O') {
      throw new IllegalArgumentException(
          "oldKind must be 'K' or 'O' with an old tuple and '\\0' without one, got "
              + Wire.describe((byte) oldKind));
    }
  }

  /**
   * Decodes the body after the type byte.
   *
   * <pre>
   * [Int32 xid, streamed block only] | Int32 relation OID
   * | optional: Byte1 'K' or 'O' | TupleData old key or old row
   * | Byte1 'N' | TupleData new tuple
   * </pre>
   */
  static Update decode(ByteBuffer buf, boolean inStreamBlock) {
    int xid = Wire.readXid(buf, inStreamBlock);
    int relationId = buf.getInt();
    int pos = buf.position();
    byte marker = buf.get();
    TupleData oldTuple = null;
    char oldKind = '\0';
    if (marker == 'K' || marker == 'O') {
      oldKind = (char) marker;
      oldTuple = TupleData.decode(buf);
      pos = buf.position();
      marker = buf.get();
    }
    if (marker != 'N') {
      throw new IllegalArgumentException(
          "Expected tuple marker 'K', 'O' or 'N' in Update message but found "
              + Wire.describe(marker)
              + " at buffer position "
              + pos);
    }
    return new Update(xid, relationId, oldTuple, oldKind, TupleData.decode(buf));
  }
}
