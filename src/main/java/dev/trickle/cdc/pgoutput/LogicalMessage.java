package dev.trickle.cdc.pgoutput;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * Message ({@code 'M'}): a generic logical decoding message emitted with {@code
 * pg_logical_emit_message}; sent only when the {@code messages} option is on.
 *
 * <p>The content array is copied on construction and by the accessor, so instances are immutable;
 * {@link #equals}, {@link #hashCode} and {@link #toString} use the array's contents.
 *
 * @param xid inside a streamed block, the id of the transaction that made the change: the streamed
 *     transaction's xid or, for changes made in a subtransaction (after a SAVEPOINT), that
 *     subtransaction's own xid, so it may differ from the {@link StreamStart#xid()}; 0 outside a
 *     streamed block
 * @param transactional true if the message was emitted as part of a transaction (flags bit 1)
 * @param lsn the LSN of the message
 * @param prefix the message prefix
 * @param content the message content
 */
// The API requires a byte[] component; it is copied in and out, and equals/hashCode/toString are
// overridden to use the contents, which is what this check guards against.
@SuppressWarnings("ArrayRecordComponent")
public record LogicalMessage(
    int xid, boolean transactional, long lsn, String prefix, byte[] content)
    implements PgOutputMessage {

  /** Validates components and copies the content. */
  public LogicalMessage {
    Objects.requireNonNull(prefix, "prefix");
    content = content.clone();
  }

  /**
   * Returns a copy of the message content.
   *
   * @return a fresh copy of the content bytes
   */
  @Override
  public byte[] content() {
    return content.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LogicalMessage m
        && xid == m.xid
        && transactional == m.transactional
        && lsn == m.lsn
        && prefix.equals(m.prefix)
        && Arrays.equals(content, m.content);
  }

  @Override
  public int hashCode() {
    return Objects.hash(xid, transactional, lsn, prefix) * 31 + Arrays.hashCode(content);
  }

  @Override
  public String toString() {
    return "LogicalMessage[xid="
        + xid
        + ", transactional="
        + transactional
        + ", lsn="
        + lsn
        + ", prefix="
        + prefix
        + ", content=0x"
        + HexFormat.of().formatHex(content)
        + "]";
  }

  /**
   * Decodes the body after the type byte.
   *
   * <pre>
   * [Int32 xid, streamed block only] | Int8 flags (1 = transactional) | Int64 LSN
   * | String prefix | Int32 content length n | Byte[n] content
   * </pre>
   */
  static LogicalMessage decode(ByteBuffer buf, boolean inStreamBlock) {
    int xid = Wire.readXid(buf, inStreamBlock);
    byte flags = buf.get();
    long lsn = buf.getLong();
    String prefix = Wire.readCString(buf, "message prefix");
    byte[] content = Wire.readBytes(buf, Wire.readLength(buf, "message content"));
    return new LogicalMessage(xid, (flags & 1) != 0, lsn, prefix, content);
  }
}
