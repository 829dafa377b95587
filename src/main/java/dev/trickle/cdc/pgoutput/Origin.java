package dev.trickle.cdc.pgoutput;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * Origin ({@code 'O'}): the replication origin of the current transaction.
 *
 * @param lsn the commit LSN on the origin server
 * @param name the origin name
 */
public record Origin(long lsn, String name) implements PgOutputMessage {

  /** Validates components. */
  public Origin {
    Objects.requireNonNull(name, "name");
  }

  /**
   * Decodes the body after the type byte.
   *
   * <pre>
   * Int64 commit LSN on origin | String origin name
   * </pre>
   */
  static Origin decode(ByteBuffer buf) {
    long lsn = buf.getLong();
    String name = Wire.readCString(buf, "origin name");
    return new Origin(lsn, name);
  }
}
