package dev.trickle.cdc.pgoutput;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.nio.ByteBuffer;

/**
 * Low-level readers for the primitive pgoutput wire types. All reads are relative to, and advance,
 * the buffer's position; the buffer must be in big-endian order (the dispatcher guarantees this).
 */
final class Wire {
  private Wire() {}

  /** Reads the optional leading Int32 transaction id present only inside a streamed block. */
  static int readXid(ByteBuffer buf, boolean inStreamBlock) {
    return inStreamBlock ? buf.getInt() : 0;
  }

  /** Reads a NUL-terminated UTF-8 string (the protocol's {@code String} type). */
  static String readCString(ByteBuffer buf, String field) {
    int start = buf.position();
    int limit = buf.limit();
    if (buf.hasArray()) {
      byte[] a = buf.array();
      int base = buf.arrayOffset();
      for (int i = base + start, end = base + limit; i < end; i++) {
        if (a[i] == 0) {
          int len = i - base - start;
          buf.position(start + len + 1);
          return new String(a, base + start, len, UTF_8);
        }
      }
    } else {
      for (int i = start; i < limit; i++) {
        if (buf.get(i) == 0) {
          byte[] tmp = new byte[i - start];
          buf.get(tmp);
          buf.get(); // the terminator
          return new String(tmp, UTF_8);
        }
      }
    }
    throw new IllegalArgumentException(
        "Truncated pgoutput message: no NUL terminator for string field '"
            + field
            + "' starting at buffer position "
            + start);
  }

  /** Reads a length (Int32) and validates it against the remaining bytes. */
  static int readLength(ByteBuffer buf, String field) {
    int pos = buf.position();
    int len = buf.getInt();
    if (len < 0 || len > buf.remaining()) {
      throw new IllegalArgumentException(
          "Invalid length "
              + len
              + " for field '"
              + field
              + "' at buffer position "
              + pos
              + " ("
              + buf.remaining()
              + " bytes remain)");
    }
    return len;
  }

  /** Reads {@code len} bytes as UTF-8 text, straight from the backing array when there is one. */
  static String readUtf8(ByteBuffer buf, int len) {
    int pos = buf.position();
    String s;
    if (buf.hasArray()) {
      s = new String(buf.array(), buf.arrayOffset() + pos, len, UTF_8);
      buf.position(pos + len);
    } else {
      byte[] tmp = new byte[len];
      buf.get(tmp);
      s = new String(tmp, UTF_8);
    }
    return s;
  }

  /** Reads {@code len} bytes into a new array. */
  static byte[] readBytes(ByteBuffer buf, int len) {
    byte[] out = new byte[len];
    buf.get(out);
    return out;
  }

  /** Reads a one-byte tuple marker and checks that it is {@code expected}. */
  static void expectMarker(ByteBuffer buf, char expected, String message) {
    int pos = buf.position();
    byte b = buf.get();
    if (b != expected) {
      throw new IllegalArgumentException(
          "Expected tuple marker '"
              + expected
              + "' in "
              + message
              + " message but found "
              + describe(b)
              + " at buffer position "
              + pos);
    }
  }

  /** Renders a protocol byte as {@code 'c' (0x63)} for error messages. */
  static String describe(byte b) {
    int v = b & 0xFF;
    char c = (char) v;
    String printable =
        v >= 0x20 && v < 0x7F ? "'" + c + "'" : "'\\u" + String.format("%04x", v) + "'";
    return printable + " (0x" + String.format("%02X", v) + ")";
  }
}
