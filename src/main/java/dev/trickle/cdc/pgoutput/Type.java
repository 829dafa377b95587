package dev.trickle.cdc.pgoutput;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Type ({@code 'Y'}): describes a non-built-in data type used by a following relation.
 *
 * @param xid the streamed transaction's id inside a streamed block, 0 otherwise
 * @param typeOid the OID of the data type
 * @param namespace the schema name; the empty string stands for {@code pg_catalog}
 * @param name the type name
 */
public record Type(int xid, int typeOid, String namespace, String name) implements PgOutputMessage {

  /** Validates components. */
  public Type {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
  }

  /**
   * Decodes the body after the type byte.
   *
   * <pre>
   * [Int32 xid, streamed block only] | Int32 type OID | String namespace | String name
   * </pre>
   */
  static Type decode(ByteBuffer buf, boolean inStreamBlock) {
    int xid = Wire.readXid(buf, inStreamBlock);
    int typeOid = buf.getInt();
    String namespace = Wire.readCString(buf, "type namespace");
    String name = Wire.readCString(buf, "type name");
    return new Type(xid, typeOid, namespace, name);
  }
}
