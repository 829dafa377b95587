package dev.trickle.cdc.pgoutput;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * The column values of one row as sent in a pgoutput {@code TupleData} structure. Immutable; values
 * are addressed by column position (0-based, in the order of the preceding {@link Relation}'s
 * columns).
 *
 * <p>Each column has a {@linkplain #kind(int) kind}: {@link #NULL} ({@code 'n'}), {@link
 * #UNCHANGED_TOAST} ({@code 'u'}: an unchanged TOASTed value whose actual value is not sent),
 * {@link #TEXT} ({@code 't'}: text format) or {@link #BINARY} ({@code 'b'}: binary format, only
 * when the subscription requested {@code binary 'true'}).
 *
 * <p>Byte layout read by the decoder:
 *
 * <pre>
 * Int16  number of columns
 * then per column:
 *   Byte1  kind: 'n' | 'u' | 't' | 'b'
 *   for 't' and 'b' only:
 *     Int32    length n of the value
 *     Byte[n]  the value (UTF-8 text for 't', the type's binary send format for 'b')
 * </pre>
 */
public final class TupleData {
  /** Kind of a NULL value. */
  public static final char NULL = 'n';

  /** Kind of an unchanged TOASTed value; the actual value is not sent. */
  public static final char UNCHANGED_TOAST = 'u';

  /** Kind of a value in text format. */
  public static final char TEXT = 't';

  /** Kind of a value in binary format. */
  public static final char BINARY = 'b';

  private static final TupleData EMPTY = new TupleData(new byte[0], new Object[0]);

  /** The kind byte of every column. */
  private final byte[] kinds;

  /** A {@link String} for 't', a {@code byte[]} (never exposed) for 'b', null otherwise. */
  private final Object[] values;

  private TupleData(byte[] kinds, Object[] values) {
    this.kinds = kinds;
    this.values = values;
  }

  /**
   * Decodes a TupleData structure at the buffer's position and advances past it.
   *
   * <pre>
   * Int16 ncols, then per column: Byte1 kind ('n'|'u'|'t'|'b') [Int32 len, Byte[len] if 't'|'b']
   * </pre>
   *
   * @throws IllegalArgumentException on an unknown kind byte or an invalid length
   */
  static TupleData decode(ByteBuffer buf) {
    int n = Short.toUnsignedInt(buf.getShort());
    if (n == 0) {
      return EMPTY;
    }
    byte[] kinds = new byte[n];
    Object[] values = new Object[n];
    for (int i = 0; i < n; i++) {
      byte kind = buf.get();
      kinds[i] = kind;
      switch (kind) {
        case 't' -> values[i] = Wire.readUtf8(buf, Wire.readLength(buf, "text value"));
        case 'n', 'u' -> {}
        case 'b' -> values[i] = Wire.readBytes(buf, Wire.readLength(buf, "binary value"));
        default ->
            throw new IllegalArgumentException(
                "Unknown tuple column kind "
                    + Wire.describe(kind)
                    + " for column "
                    + i
                    + " at buffer position "
                    + (buf.position() - 1));
      }
    }
    return new TupleData(kinds, values);
  }

  /**
   * Creates a tuple of text values, mainly for tests.
   *
   * @param values the column values; a {@code null} element becomes a {@link #NULL} column
   * @return the tuple
   */
  public static TupleData ofText(String... values) {
    Builder b = builder();
    for (String v : values) {
      if (v == null) {
        b.addNull();
      } else {
        b.addText(v);
      }
    }
    return b.build();
  }

  /**
   * Returns a builder for tuples with arbitrary column kinds, mainly for tests.
   *
   * @return a new, empty builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the number of columns.
   *
   * @return the number of columns in this tuple
   */
  public int size() {
    return kinds.length;
  }

  /**
   * Returns the kind of a column: {@link #NULL}, {@link #UNCHANGED_TOAST}, {@link #TEXT} or {@link
   * #BINARY}.
   *
   * @param column the 0-based column position
   * @return the kind character
   * @throws IndexOutOfBoundsException if the column does not exist
   */
  public char kind(int column) {
    return (char) kinds[column];
  }

  /**
   * Returns the text value of a column.
   *
   * @param column the 0-based column position
   * @return the value if the column's kind is {@link #TEXT}; {@code null} for any other kind
   * @throws IndexOutOfBoundsException if the column does not exist
   */
  public String text(int column) {
    return kinds[column] == TEXT ? (String) values[column] : null;
  }

  /**
   * Returns a copy of the binary value of a column.
   *
   * @param column the 0-based column position
   * @return a fresh copy of the bytes if the column's kind is {@link #BINARY}; {@code null} for any
   *     other kind
   * @throws IndexOutOfBoundsException if the column does not exist
   */
  public byte[] binary(int column) {
    return kinds[column] == BINARY ? ((byte[]) values[column]).clone() : null;
  }

  /**
   * Tells whether a column is SQL NULL.
   *
   * @param column the 0-based column position
   * @return true if the column's kind is {@link #NULL}
   * @throws IndexOutOfBoundsException if the column does not exist
   */
  public boolean isNull(int column) {
    return kinds[column] == NULL;
  }

  /**
   * Tells whether a column is an unchanged TOASTed value whose actual value was not sent.
   *
   * @param column the 0-based column position
   * @return true if the column's kind is {@link #UNCHANGED_TOAST}
   * @throws IndexOutOfBoundsException if the column does not exist
   */
  public boolean isUnchangedToast(int column) {
    return kinds[column] == UNCHANGED_TOAST;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    return o instanceof TupleData other
        && Arrays.equals(kinds, other.kinds)
        && Arrays.deepEquals(values, other.values);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(kinds) + Arrays.deepHashCode(values);
  }

  /** Renders the tuple as e.g. {@code TupleData[t:"42", n, u, b:0x0a0b]}. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("TupleData[");
    for (int i = 0; i < kinds.length; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      char k = (char) kinds[i];
      sb.append(k);
      if (k == TEXT) {
        sb.append(":\"").append((String) values[i]).append('"');
      } else if (k == BINARY) {
        sb.append(":0x");
        for (byte x : (byte[]) values[i]) {
          sb.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
        }
      }
    }
    return sb.append(']').toString();
  }

  /** Builds a {@link TupleData} column by column. Not thread-safe. */
  public static final class Builder {
    private byte[] kinds = new byte[8];
    private Object[] values = new Object[8];
    private int size;

    private Builder() {}

    private Builder add(char kind, Object value) {
      if (size == kinds.length) {
        kinds = Arrays.copyOf(kinds, size * 2);
        values = Arrays.copyOf(values, size * 2);
      }
      kinds[size] = (byte) kind;
      values[size] = value;
      size++;
      return this;
    }

    /**
     * Appends a text column.
     *
     * @param value the text, not null
     * @return this builder
     */
    public Builder addText(String value) {
      return add(TEXT, Objects.requireNonNull(value, "value"));
    }

    /**
     * Appends a binary column; the bytes are copied.
     *
     * @param value the bytes, not null
     * @return this builder
     */
    public Builder addBinary(byte[] value) {
      return add(BINARY, value.clone());
    }

    /**
     * Appends a NULL column.
     *
     * @return this builder
     */
    public Builder addNull() {
      return add(NULL, null);
    }

    /**
     * Appends an unchanged-TOAST column.
     *
     * @return this builder
     */
    public Builder addUnchangedToast() {
      return add(UNCHANGED_TOAST, null);
    }

    /**
     * Builds the tuple.
     *
     * @return an immutable tuple with the columns added so far
     */
    public TupleData build() {
      return size == 0
          ? EMPTY
          : new TupleData(Arrays.copyOf(kinds, size), Arrays.copyOf(values, size));
    }
  }
}
