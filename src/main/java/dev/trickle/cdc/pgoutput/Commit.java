package dev.trickle.cdc.pgoutput;

import java.nio.ByteBuffer;

/**
 * Commit ({@code 'C'}): end of a (non-streamed) transaction.
 *
 * @param flags flags; currently unused by PostgreSQL (always 0)
 * @param commitLsn the LSN of the commit
 * @param endLsn the end LSN of the transaction
 * @param commitTimeMicros commit timestamp, microseconds since 2000-01-01 00:00:00 UTC as sent
 */
public record Commit(byte flags, long commitLsn, long endLsn, long commitTimeMicros)
    implements PgOutputMessage {

  /**
   * Decodes the body after the type byte.
   *
   * <pre>
   * Int8 flags | Int64 commit LSN | Int64 end LSN | Int64 commit timestamp
   * </pre>
   */
  static Commit decode(ByteBuffer buf) {
    byte flags = buf.get();
    long commitLsn = buf.getLong();
    long endLsn = buf.getLong();
    long commitTime = buf.getLong();
    return new Commit(flags, commitLsn, endLsn, commitTime);
  }
}
