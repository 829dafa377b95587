package dev.trickle.cdc.pgoutput;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Insert ({@code 'I'}): a new row.
 *
 * @param xid inside a streamed block, the id of the transaction that made the change: the streamed
 *     transaction's xid or, for changes made in a subtransaction (after a SAVEPOINT), that
 *     subtransaction's own xid, so it may differ from the {@link StreamStart#xid()}; 0 outside a
 *     streamed block
 * @param relationId the OID of the relation (as described by an earlier {@link Relation})
 * @param newTuple the inserted row
 */
public record Insert(int xid, int relationId, TupleData newTuple) implements PgOutputMessage {

  /** Validates components. */
  public Insert {
    Objects.requireNonNull(newTuple, "newTuple");
  }

  /**
   * Decodes the body after the type byte.
   *
   * <pre>
   * [Int32 xid, streamed block only] | Int32 relation OID | Byte1 'N' | TupleData new tuple
   * </pre>
   */
  static Insert decode(ByteBuffer buf, boolean inStreamBlock) {
    int xid = Wire.readXid(buf, inStreamBlock);
    int relationId = buf.getInt();
    Wire.expectMarker(buf, 'N', "Insert");
    return new Insert(xid, relationId, TupleData.decode(buf));
  }
}
