package dev.trickle.cdc.debezium;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.runtime.WorkerConfig;
import org.apache.kafka.connect.storage.MemoryOffsetBackingStore;

/**
 * Debezium's offset store, kept in {@code pgtrickle.pgt_cdc_offsets} under the slot's name instead
 * of a file. Debezium instantiates it by class name; {@link DebeziumSource} binds it to a
 * connection and a slot through {@link #bind}, passing the binding's id in the engine properties.
 * The connector stores only what Trickle marked processed: positions every stream table's committed
 * frontier includes.
 */
public final class CatalogOffsetStore extends MemoryOffsetBackingStore {
  /** The engine property naming the binding. */
  static final String BINDING = "trickle.offsets.binding";

  /** How the store reaches the catalog. */
  @FunctionalInterface
  interface Connector {
    /** Opens a connection (autocommit). */
    Connection connect() throws SQLException;
  }

  private record Binding(Connector connector, String slot) {}

  private static final Map<String, Binding> BINDINGS = new ConcurrentHashMap<>();

  private Binding binding;

  /** Creates the store; Debezium instantiates it by class name. */
  public CatalogOffsetStore() {}

  /**
   * Registers where a store keeps its offsets.
   *
   * @return the id to pass as {@value #BINDING}
   */
  static String bind(Connector connector, String slot) {
    String id = UUID.randomUUID().toString();
    BINDINGS.put(id, new Binding(connector, slot));
    return id;
  }

  /** Forgets a binding. */
  static void unbind(String id) {
    BINDINGS.remove(id);
  }

  @Override
  public void configure(WorkerConfig config) {
    super.configure(config);
    Object id = config.originals().get(BINDING);
    binding = id == null ? null : BINDINGS.get(id.toString());
    if (binding == null) {
      throw new ConnectException("CatalogOffsetStore is used only by Trickle's Debezium source");
    }
  }

  @Override
  public synchronized void start() {
    super.start();
    try (Connection conn = binding.connector().connect();
        PreparedStatement ps =
            conn.prepareStatement(
                "SELECT offset_key, offset_value FROM pgtrickle.pgt_cdc_offsets WHERE slot_name ="
                    + " ?")) {
      ps.setString(1, binding.slot());
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          byte[] value = rs.getBytes(2);
          data.put(ByteBuffer.wrap(rs.getBytes(1)), value == null ? null : ByteBuffer.wrap(value));
        }
      }
    } catch (SQLException e) {
      throw new ConnectException("cannot read pgtrickle.pgt_cdc_offsets: " + e.getMessage(), e);
    }
  }

  @Override
  protected void save() {
    try (Connection conn = binding.connector().connect();
        PreparedStatement ps =
            conn.prepareStatement(
                "INSERT INTO pgtrickle.pgt_cdc_offsets (slot_name, offset_key, offset_value) VALUES"
                    + " (?, ?, ?) ON CONFLICT (slot_name, offset_key) DO UPDATE SET offset_value ="
                    + " excluded.offset_value, updated_at = now()")) {
      for (Map.Entry<ByteBuffer, ByteBuffer> e : data.entrySet()) {
        ps.setString(1, binding.slot());
        ps.setBytes(2, bytes(e.getKey()));
        ps.setBytes(3, e.getValue() == null ? null : bytes(e.getValue()));
        ps.addBatch();
      }
      ps.executeBatch();
    } catch (SQLException e) {
      throw new ConnectException("cannot write pgtrickle.pgt_cdc_offsets: " + e.getMessage(), e);
    }
  }

  @Override
  public Set<Map<String, Object>> connectorPartitions(String connectorName) {
    return Set.of();
  }

  private static byte[] bytes(ByteBuffer buf) {
    ByteBuffer copy = buf.duplicate();
    byte[] out = new byte[copy.remaining()];
    copy.get(out);
    return out;
  }
}
