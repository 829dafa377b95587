package dev.trickle.cdc.pgoutput;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Decodes one pgoutput logical replication message (protocol versions 1 and 2) from a buffer.
 *
 * <p>Stateless and thread-safe. The caller tracks streamed-transaction blocks: pass {@code
 * inStreamBlock = true} for messages received after a {@link StreamStart} and before the next
 * {@link StreamStop}; in that case Relation, Type, Insert, Update, Delete, Truncate and Message
 * carry a leading transaction id. Outside a block their {@code xid} is 0.
 */
public final class PgOutputDecoder {
  private PgOutputDecoder() {}

  /**
   * Decodes the message that starts at the buffer's position.
   *
   * <p>On success the buffer's position is advanced past the bytes read; its limit, mark and byte
   * order are not changed. Integers are always read big-endian (network order), whatever {@link
   * ByteBuffer#order()} says. The buffer may be direct, read-only or a slice; it need not have a
   * backing array. Bytes after the message (for example fields added by newer protocol versions)
   * are left unread. If decoding fails, the position is left where it was.
   *
   * <p>Layout: {@code Byte1 message type | body}, where the body depends on the type: {@code 'B'}
   * Begin, {@code 'C'} Commit, {@code 'O'} Origin, {@code 'R'} Relation, {@code 'Y'} Type, {@code
   * 'I'} Insert, {@code 'U'} Update, {@code 'D'} Delete, {@code 'T'} Truncate, {@code 'M'} Message,
   * {@code 'S'} Stream Start, {@code 'E'} Stream Stop, {@code 'c'} Stream Commit, {@code 'A'}
   * Stream Abort.
   *
   * @param buf the message bytes
   * @param inStreamBlock true if the message is between Stream Start and Stream Stop
   * @return the decoded message
   * @throws IllegalArgumentException if the buffer is empty or truncated, the message type or a
   *     tuple column kind is unknown, or a length is invalid; the message names the offending byte
   */
  public static PgOutputMessage decode(ByteBuffer buf, boolean inStreamBlock) {
    if (!buf.hasRemaining()) {
      throw new IllegalArgumentException("Empty buffer: no pgoutput message type byte");
    }
    boolean view = buf.order() != ByteOrder.BIG_ENDIAN;
    ByteBuffer b = view ? buf.duplicate().order(ByteOrder.BIG_ENDIAN) : buf;
    int start = b.position();
    byte type = b.get();
    PgOutputMessage message;
    try {
      message = decodeBody(type, b, inStreamBlock);
    } catch (BufferUnderflowException e) {
      buf.position(start);
      throw new IllegalArgumentException(
          "Truncated pgoutput message of type "
              + Wire.describe(type)
              + ": "
              + (b.limit() - start)
              + " bytes are too few",
          e);
    } catch (IllegalArgumentException e) {
      buf.position(start);
      throw new IllegalArgumentException(
          "Malformed pgoutput message of type " + Wire.describe(type) + ": " + e.getMessage(), e);
    }
    if (message == null) {
      buf.position(start);
      throw new IllegalArgumentException(
          "Unknown pgoutput message type " + Wire.describe(type) + " at buffer position " + start);
    }
    if (view) {
      buf.position(b.position());
    }
    return message;
  }

  /** Decodes the body after the type byte; returns null for an unknown type. */
  private static PgOutputMessage decodeBody(byte type, ByteBuffer b, boolean inStreamBlock) {
    return switch (type) {
      case 'I' -> Insert.decode(b, inStreamBlock);
      case 'U' -> Update.decode(b, inStreamBlock);
      case 'D' -> Delete.decode(b, inStreamBlock);
      case 'B' -> Begin.decode(b);
      case 'C' -> Commit.decode(b);
      case 'R' -> Relation.decode(b, inStreamBlock);
      case 'Y' -> Type.decode(b, inStreamBlock);
      case 'T' -> Truncate.decode(b, inStreamBlock);
      case 'M' -> LogicalMessage.decode(b, inStreamBlock);
      case 'O' -> Origin.decode(b);
      case 'S' -> StreamStart.decode(b);
      case 'E' -> StreamStop.INSTANCE;
      case 'c' -> StreamCommit.decode(b);
      case 'A' -> StreamAbort.decode(b);
      default -> null;
    };
  }
}
