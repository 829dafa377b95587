package dev.trickle.cdc.pgoutput;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Delete ({@code 'D'}): a removed row.
 *
 * @param xid inside a streamed block, the id of the transaction that made the change: the streamed
 *     transaction's xid or, for changes made in a subtransaction (after a SAVEPOINT), that
 *     subtransaction's own xid, so it may differ from the {@link StreamStart#xid()}; 0 outside a
 *     streamed block
 * @param relationId the OID of the relation
 * @param oldTuple the old key ({@code oldKind 'K'}, non-key columns are {@link TupleData#NULL}) or
 *     the full old row ({@code oldKind 'O'}, replica identity FULL)
 * @param oldKind {@code 'K'} or {@code 'O'}
 */
public record Delete(int xid, int relationId, TupleData oldTuple, char oldKind)
    implements PgOutputMessage {

  /** Validates components. */
  public Delete {
    Objects.requireNonNull(oldTuple, "oldTuple");
    if (oldKind != 'K' && oldKind != 'O') {
      throw new IllegalArgumentException(
          "oldKind must be 'K' or 'O', got " + Wire.describe((byte) oldKind));
    }
  }

  /**
   * Decodes the body after the type byte.
   *
   * <pre>
   * [Int32 xid, streamed block only] | Int32 relation OID | Byte1 'K' or 'O' | TupleData old key/row
   * </pre>
   */
  static Delete decode(ByteBuffer buf, boolean inStreamBlock) {
    int xid = Wire.readXid(buf, inStreamBlock);
    int relationId = buf.getInt();
    int pos = buf.position();
    byte marker = buf.get();
    if (marker != 'K' && marker != 'O') {
      throw new IllegalArgumentException(
          "Expected tuple marker 'K' or 'O' in Delete message but found "
              + Wire.describe(marker)
              + " at buffer position "
              + pos);
    }
    return new Delete(xid, relationId, TupleData.decode(buf), (char) marker);
  }
}
