package dev.trickle.cdc.pgoutput;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/** Writes pgoutput wire bytes by hand for tests: big-endian integers, C strings, tuple columns. */
final class MessageBytes {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  private MessageBytes() {}

  /** Starts a message with the given type byte. */
  static MessageBytes type(char type) {
    return new MessageBytes().i8(type);
  }

  /** Starts an empty byte sequence (e.g. a bare TupleData). */
  static MessageBytes empty() {
    return new MessageBytes();
  }

  MessageBytes i8(int v) {
    out.write(v);
    return this;
  }

  MessageBytes i16(int v) {
    return i8(v >>> 8).i8(v);
  }

  MessageBytes i32(int v) {
    return i16(v >>> 16).i16(v);
  }

  MessageBytes i64(long v) {
    return i32((int) (v >>> 32)).i32((int) v);
  }

  MessageBytes raw(byte[] bytes) {
    out.write(bytes, 0, bytes.length);
    return this;
  }

  /** A NUL-terminated UTF-8 string. */
  MessageBytes cstr(String s) {
    return raw(s.getBytes(UTF_8)).i8(0);
  }

  /** A tuple column of kind 't'. */
  MessageBytes text(String s) {
    byte[] b = s.getBytes(UTF_8);
    return i8('t').i32(b.length).raw(b);
  }

  /** A tuple column of kind 'b'. */
  MessageBytes binary(byte[] b) {
    return i8('b').i32(b.length).raw(b);
  }

  /** A tuple column of kind 'n'. */
  MessageBytes nullValue() {
    return i8('n');
  }

  /** A tuple column of kind 'u'. */
  MessageBytes unchangedToast() {
    return i8('u');
  }

  byte[] toArray() {
    return out.toByteArray();
  }

  ByteBuffer buffer() {
    return ByteBuffer.wrap(toArray());
  }
}
