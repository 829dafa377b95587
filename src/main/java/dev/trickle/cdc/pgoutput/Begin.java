package dev.trickle.cdc.pgoutput;

import java.nio.ByteBuffer;

/**
 * Begin ({@code 'B'}): start of a (non-streamed) transaction.
 *
 * @param finalLsn the final LSN of the transaction
 * @param commitTimeMicros commit timestamp, microseconds since 2000-01-01 00:00:00 UTC as sent (see
 *     {@link PgTime})
 * @param xid the transaction id
 */
public record Begin(long finalLsn, long commitTimeMicros, int xid) implements PgOutputMessage {

  /**
   * Decodes the body after the type byte.
   *
   * <pre>
   * Int64 final LSN | Int64 commit timestamp | Int32 xid
   * </pre>
   */
  static Begin decode(ByteBuffer buf) {
    long finalLsn = buf.getLong();
    long commitTime = buf.getLong();
    int xid = buf.getInt();
    return new Begin(finalLsn, commitTime, xid);
  }
}
