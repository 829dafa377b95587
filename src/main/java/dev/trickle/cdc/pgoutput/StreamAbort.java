package dev.trickle.cdc.pgoutput;

import java.nio.ByteBuffer;

/**
 * Stream Abort ({@code 'A'}, protocol version 2+): abort of a streamed transaction or of one of its
 * subtransactions. Sent outside any stream block. Protocol version 4 appends the abort LSN and
 * timestamp; those trailing fields are not read.
 *
 * @param xid the id of the top-level transaction
 * @param subXid the id of the aborted subtransaction; equal to {@code xid} when the whole
 *     transaction aborted
 */
public record StreamAbort(int xid, int subXid) implements PgOutputMessage {

  /**
   * Decodes the body after the type byte.
   *
   * <pre>
   * Int32 xid | Int32 subtransaction xid
   * (protocol 4 only, not read: Int64 abort LSN | Int64 abort timestamp)
   * </pre>
   */
  static StreamAbort decode(ByteBuffer buf) {
    int xid = buf.getInt();
    int subXid = buf.getInt();
    return new StreamAbort(xid, subXid);
  }
}
