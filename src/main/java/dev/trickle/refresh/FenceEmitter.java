package dev.trickle.refresh;

import dev.trickle.cdc.TransactionAssembler;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.function.Supplier;

/**
 * Writes fence messages: each a transactional logical decoding message committed in its own tiny
 * transaction (committed, hence flushed at once, unlike a non-transactional message from a
 * transaction without an xid). Keeps one autocommit JDBC connection, reopened when broken.
 */
public final class FenceEmitter implements AutoCloseable {
  private final Supplier<Connection> connect;
  private Connection conn;

  /**
   * Creates an emitter.
   *
   * @param connect opens a new autocommit connection
   */
  public FenceEmitter(Supplier<Connection> connect) {
    this.connect = connect;
  }

  /**
   * Commits a fence carrying {@code id}.
   *
   * @param id the fence id
   * @throws SQLException when the message cannot be written
   */
  public synchronized void emit(String id) throws SQLException {
    if (conn == null || conn.isClosed()) {
      conn = connect.get();
    }
    try (PreparedStatement ps =
        conn.prepareStatement("SELECT pg_logical_emit_message(true, ?, ?)")) {
      ps.setString(1, TransactionAssembler.FENCE_PREFIX);
      ps.setString(2, id);
      ps.execute();
    } catch (SQLException e) {
      close();
      throw e;
    }
  }

  @Override
  public synchronized void close() {
    if (conn != null) {
      try {
        conn.close();
      } catch (SQLException ignored) {
        // already broken
      }
      conn = null;
    }
  }
}
