package dev.trickle.cdc.pgoutput;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Truncate ({@code 'T'}): one TRUNCATE statement affecting one or more relations.
 *
 * @param xid inside a streamed block, the id of the transaction that made the change: the streamed
 *     transaction's xid or, for changes made in a subtransaction (after a SAVEPOINT), that
 *     subtransaction's own xid, so it may differ from the {@link StreamStart#xid()}; 0 outside a
 *     streamed block
 * @param options option bits: 1 = {@code CASCADE}, 2 = {@code RESTART IDENTITY}
 * @param relationIds the OIDs of the truncated relations (immutable)
 */
public record Truncate(int xid, byte options, List<Integer> relationIds)
    implements PgOutputMessage {

  /** Option bit for {@code TRUNCATE ... CASCADE}. */
  public static final byte CASCADE = 1;

  /** Option bit for {@code TRUNCATE ... RESTART IDENTITY}. */
  public static final byte RESTART_IDENTITY = 2;

  /** Makes the relation id list immutable. */
  public Truncate {
    relationIds = List.copyOf(relationIds);
  }

  /**
   * Tells whether the statement used {@code CASCADE}.
   *
   * @return true if option bit 1 is set
   */
  public boolean isCascade() {
    return (options & CASCADE) != 0;
  }

  /**
   * Tells whether the statement used {@code RESTART IDENTITY}.
   *
   * @return true if option bit 2 is set
   */
  public boolean isRestartIdentity() {
    return (options & RESTART_IDENTITY) != 0;
  }

  /**
   * Decodes the body after the type byte.
   *
   * <pre>
   * [Int32 xid, streamed block only] | Int32 number of relations n | Int8 options
   * | Int32[n] relation OIDs
   * </pre>
   */
  static Truncate decode(ByteBuffer buf, boolean inStreamBlock) {
    int xid = Wire.readXid(buf, inStreamBlock);
    int pos = buf.position();
    int n = buf.getInt();
    byte options = buf.get();
    if (n < 0 || (long) n * Integer.BYTES > buf.remaining()) {
      throw new IllegalArgumentException(
          "Invalid relation count " + n + " in Truncate message at buffer position " + pos);
    }
    List<Integer> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(buf.getInt());
    }
    return new Truncate(xid, options, ids);
  }
}
