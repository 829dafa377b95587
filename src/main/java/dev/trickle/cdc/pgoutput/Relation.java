package dev.trickle.cdc.pgoutput;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Relation ({@code 'R'}): describes a table; sent before the first change to it (and again after
 * its definition changes).
 *
 * @param xid the streamed transaction's id inside a streamed block, 0 otherwise
 * @param relationId the relation's OID
 * @param namespace the schema name; the empty string stands for {@code pg_catalog}
 * @param name the relation name
 * @param replicaIdentity the replica identity setting: {@code 'd'} default, {@code 'n'} nothing,
 *     {@code 'f'} full, {@code 'i'} index
 * @param columns the columns in tuple order (immutable)
 */
public record Relation(
    int xid,
    int relationId,
    String namespace,
    String name,
    char replicaIdentity,
    List<RelationColumn> columns)
    implements PgOutputMessage {

  /** Validates components and makes the column list immutable. */
  public Relation {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    columns = List.copyOf(columns);
  }

  /**
   * Decodes the body after the type byte.
   *
   * <pre>
   * [Int32 xid, streamed block only] | Int32 relation OID | String namespace | String name
   * | Int8 replica identity | Int16 ncols
   * | per column: Int8 flags (1 = key) | String name | Int32 type OID | Int32 type modifier
   * </pre>
   */
  static Relation decode(ByteBuffer buf, boolean inStreamBlock) {
    int xid = Wire.readXid(buf, inStreamBlock);
    int relationId = buf.getInt();
    String namespace = Wire.readCString(buf, "relation namespace");
    String name = Wire.readCString(buf, "relation name");
    char replicaIdentity = (char) (buf.get() & 0xFF);
    int ncols = Short.toUnsignedInt(buf.getShort());
    List<RelationColumn> columns = new ArrayList<>(ncols);
    for (int i = 0; i < ncols; i++) {
      byte flags = buf.get();
      String colName = Wire.readCString(buf, "column name");
      int typeOid = buf.getInt();
      int typeModifier = buf.getInt();
      columns.add(new RelationColumn((flags & 1) != 0, colName, typeOid, typeModifier));
    }
    return new Relation(xid, relationId, namespace, name, replicaIdentity, columns);
  }
}
