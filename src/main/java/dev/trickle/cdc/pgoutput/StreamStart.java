package dev.trickle.cdc.pgoutput;

import java.nio.ByteBuffer;

/**
 * Stream Start ({@code 'S'}, protocol version 2+): opens a block of changes of a large in-progress
 * transaction. Until the matching {@link StreamStop}, messages carry the transaction id, so decode
 * them with {@code inStreamBlock = true}.
 *
 * @param xid the id of the streamed transaction
 * @param firstSegment true if this is the transaction's first stream segment
 */
public record StreamStart(int xid, boolean firstSegment) implements PgOutputMessage {

  /**
   * Decodes the body after the type byte.
   *
   * <pre>
   * Int32 xid | Int8 first segment (1 if first, 0 otherwise)
   * </pre>
   */
  static StreamStart decode(ByteBuffer buf) {
    int xid = buf.getInt();
    boolean first = buf.get() == 1;
    return new StreamStart(xid, first);
  }
}
