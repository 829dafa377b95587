package dev.trickle.catalog;

import dev.trickle.config.Preset;
import dev.trickle.config.ResourceBudget;
import dev.trickle.model.Lsn;
import dev.trickle.model.PgSnapshot;
import dev.trickle.model.Strategy;
import dev.trickle.model.TableRef;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads and writes the stream-table registry and slot bookkeeping over JDBC. */
public final class CatalogStore {
  private static final String SELECT =
      "SELECT pgt_id, pgt_schema, pgt_name, query, schedule_ms, refresh_mode, preset, workers,"
          + " merge_work_mem_mb, strategy, status, frontier, last_refresh_at, last_error, coalesce(to_jsonb(s) ->> 'origin',"
          + " 'config'), slot_name FROM pgtrickle.pgt_stream_tables s";

  private CatalogStore() {}

  /** Every registered stream table of a slot. */
  public static List<StreamTableRow> list(Connection conn, String slot) throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(SELECT + " WHERE slot_name = ? ORDER BY pgt_id")) {
      ps.setString(1, slot);
      return read(ps);
    }
  }

  /** Every registered stream table. */
  public static List<StreamTableRow> listAll(Connection conn) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(SELECT + " ORDER BY pgt_id")) {
      return read(ps);
    }
  }

  /** The registered stream table of that name, if any. */
  public static Optional<StreamTableRow> find(Connection conn, TableRef name) throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(SELECT + " WHERE pgt_schema = ? AND pgt_name = ?")) {
      ps.setString(1, name.schema());
      ps.setString(2, name.name());
      List<StreamTableRow> rows = read(ps);
      return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }
  }

  /** The registered stream table of that id, if any. */
  public static Optional<StreamTableRow> findById(Connection conn, long id) throws SQLException {
    try (PreparedStatement ps = conn.prepareStatement(SELECT + " WHERE pgt_id = ?")) {
      ps.setLong(1, id);
      List<StreamTableRow> rows = read(ps);
      return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
    }
  }

  /**
   * Registers a stream table (status INITIALIZING, no frontier).
   *
   * @return the new id
   */
  public static long insert(
      Connection conn,
      TableRef name,
      String query,
      Duration schedule,
      String refreshMode,
      ResourceBudget budget,
      Strategy strategy,
      String slot,
      String origin)
      throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "INSERT INTO pgtrickle.pgt_stream_tables (pgt_schema, pgt_name, query, schedule_ms,"
                + " refresh_mode, preset, workers, merge_work_mem_mb, strategy, slot_name, origin)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING pgt_id")) {
      ps.setString(1, name.schema());
      ps.setString(2, name.name());
      ps.setString(3, query);
      ps.setLong(4, schedule.toMillis());
      ps.setString(5, refreshMode);
      setBudget(ps, 6, budget);
      ps.setString(9, strategy.name());
      ps.setString(10, slot);
      ps.setString(11, origin);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  /** Updates schedule, mode, preset, workers and memory of an existing stream table. */
  public static void updateSettings(
      Connection conn, long id, Duration schedule, String refreshMode, ResourceBudget budget)
      throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "UPDATE pgtrickle.pgt_stream_tables SET schedule_ms = ?, refresh_mode = ?, preset = ?,"
                + " workers = ?, merge_work_mem_mb = ?, updated_at = now() WHERE pgt_id = ?")) {
      ps.setLong(1, schedule.toMillis());
      ps.setString(2, refreshMode);
      setBudget(ps, 3, budget);
      ps.setLong(6, id);
      ps.executeUpdate();
    }
  }

  /**
   * Records the tables a stream table's query reads.
   *
   * @param sources schema-qualified tables
   */
  public static void saveSources(Connection conn, long id, List<TableRef> sources)
      throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "UPDATE pgtrickle.pgt_stream_tables SET source_tables = ? WHERE pgt_id = ?")) {
      ps.setArray(
          1,
          conn.createArrayOf(
              "text", sources.stream().map(t -> t.schema() + "." + t.name()).toArray()));
      ps.setLong(2, id);
      ps.executeUpdate();
    }
  }

  /** The tables each registered stream table reads, by stream table (all pipelines). */
  public static java.util.Map<TableRef, List<TableRef>> sources(Connection conn)
      throws SQLException {
    java.util.Map<TableRef, List<TableRef>> out = new java.util.LinkedHashMap<>();
    try (PreparedStatement ps =
            conn.prepareStatement(
                // read through jsonb: a catalog from before version 5 has no such column
                "SELECT pgt_schema, pgt_name, ARRAY(SELECT jsonb_array_elements_text(coalesce("
                    + "to_jsonb(s) -> 'source_tables', '[]'))) FROM pgtrickle.pgt_stream_tables s"
                    + " ORDER BY pgt_id");
        ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        List<TableRef> reads = new ArrayList<>();
        for (Object o : (Object[]) rs.getArray(3).getArray()) {
          String s = (String) o;
          int dot = s.indexOf('.');
          reads.add(new TableRef(s.substring(0, dot), s.substring(dot + 1)));
        }
        out.put(new TableRef(rs.getString(1), rs.getString(2)), reads);
      }
    }
    return out;
  }

  /** Binds preset, workers and memory (nulls where not set) from parameter {@code first} on. */
  private static void setBudget(PreparedStatement ps, int first, ResourceBudget budget)
      throws SQLException {
    ps.setString(first, budget.presetName());
    ps.setObject(first + 1, budget.workers(), java.sql.Types.INTEGER);
    ps.setObject(first + 2, budget.mergeWorkMemMb(), java.sql.Types.INTEGER);
  }

  /**
   * Writes a history row for something that happened to a stream table besides a refresh (a
   * failure, a remediation, a suspension): mode {@code NONE}.
   *
   * @param status e.g. {@code ERROR}, {@code REMEDIATED}, {@code SUSPENDED}
   * @param reasonCode as documented in docs/ARCHITECTURE.md
   * @param detail what happened, kept in the {@code error} column
   */
  public static void recordEvent(
      Connection conn, long id, TableRef name, String status, String reasonCode, String detail)
      throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, stream_table, started_at, mode,"
                + " status, reason_code, error) VALUES (?, ?, now(), 'NONE', ?, ?, ?)")) {
      ps.setLong(1, id);
      ps.setString(2, name.toString());
      ps.setString(3, status);
      ps.setString(4, reasonCode);
      ps.setString(5, detail);
      ps.executeUpdate();
    }
  }

  /** Status of a stream table whose circuit breaker opened. */
  public static final String SUSPENDED = "SUSPENDED";

  /**
   * Marks a stream table suspended: it is not refreshed until asked, and its frontier is forgotten
   * (its changes are no longer kept), so that the refresh that resumes it fills it anew, also after
   * a restart.
   */
  public static void markSuspended(Connection conn, long id) throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "UPDATE pgtrickle.pgt_stream_tables SET status = ?, frontier = NULL, updated_at ="
                + " now() WHERE pgt_id = ?")) {
      ps.setString(1, SUSPENDED);
      ps.setLong(2, id);
      ps.executeUpdate();
    }
  }

  /**
   * Marks a stream table in ERROR because a source changed: the message is its {@code last_error},
   * and its frontier is forgotten (its changes are no longer kept), so that the refresh that plans
   * it again fills it anew, also after a restart.
   */
  public static void markSourceChanged(Connection conn, long id, String change)
      throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "UPDATE pgtrickle.pgt_stream_tables SET status = 'ERROR', last_error = ?, frontier ="
                + " NULL, updated_at = now() WHERE pgt_id = ?")) {
      ps.setString(1, change);
      ps.setLong(2, id);
      ps.executeUpdate();
    }
  }

  /** Records a failed refresh on the registry row. */
  public static void recordError(Connection conn, long id, String error) throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "UPDATE pgtrickle.pgt_stream_tables SET last_error = ?, consecutive_errors ="
                + " consecutive_errors + 1, status = CASE WHEN frontier IS NULL THEN"
                + " 'INITIALIZING' ELSE 'ERROR' END, updated_at = now() WHERE pgt_id = ?")) {
      ps.setString(1, error);
      ps.setLong(2, id);
      ps.executeUpdate();
    }
  }

  /**
   * Forgets every frontier of a slot, so that each stream table is filled again, and the Debezium
   * offsets kept for it, which name positions of the slot that was lost.
   */
  public static int forgetFrontiers(Connection conn, String slot) throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement("DELETE FROM pgtrickle.pgt_cdc_offsets WHERE slot_name = ?")) {
      ps.setString(1, slot);
      ps.executeUpdate();
    }
    try (PreparedStatement ps =
        conn.prepareStatement(
            "UPDATE pgtrickle.pgt_stream_tables SET frontier = NULL, status = 'INITIALIZING',"
                + " updated_at = now() WHERE slot_name = ?")) {
      ps.setString(1, slot);
      return ps.executeUpdate();
    }
  }

  /** Forgets one stream table's frontier, so that it is filled again. */
  public static void forgetFrontier(Connection conn, long id) throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "UPDATE pgtrickle.pgt_stream_tables SET frontier = NULL, status = 'INITIALIZING',"
                + " updated_at = now() WHERE pgt_id = ?")) {
      ps.setLong(1, id);
      ps.executeUpdate();
    }
  }

  /** Sets a stream table's storage strategy (after its table was rebuilt for another mode). */
  public static void setStrategy(Connection conn, long id, String strategy) throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "UPDATE pgtrickle.pgt_stream_tables SET strategy = ?, updated_at = now() WHERE pgt_id"
                + " = ?")) {
      ps.setString(1, strategy);
      ps.setLong(2, id);
      ps.executeUpdate();
    }
  }

  /** Sets a stream table's status. */
  public static void setStatus(Connection conn, long id, String status) throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "UPDATE pgtrickle.pgt_stream_tables SET status = ?, updated_at = now() WHERE pgt_id ="
                + " ?")) {
      ps.setString(1, status);
      ps.setLong(2, id);
      ps.executeUpdate();
    }
  }

  /** The slot a stream table belongs to. */
  public static String slotOf(Connection conn, long id) throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "SELECT slot_name FROM pgtrickle.pgt_stream_tables WHERE pgt_id = ?")) {
      ps.setLong(1, id);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  /** Removes a stream table, its refresh history and its cached templates from the catalog. */
  public static void delete(Connection conn, long id) throws SQLException {
    TemplateStore.delete(conn, id);
    try (PreparedStatement ps =
        conn.prepareStatement(
            "DELETE FROM pgtrickle.pgt_commit_latency WHERE stream_table = (SELECT pgt_schema ||"
                + " '.' || pgt_name FROM pgtrickle.pgt_stream_tables WHERE pgt_id = ?)")) {
      ps.setLong(1, id);
      ps.executeUpdate();
    }
    try (PreparedStatement ps =
        conn.prepareStatement("DELETE FROM pgtrickle.pgt_refresh_history WHERE pgt_id = ?")) {
      ps.setLong(1, id);
      ps.executeUpdate();
    }
    try (PreparedStatement ps =
        conn.prepareStatement("DELETE FROM pgtrickle.pgt_stream_tables WHERE pgt_id = ?")) {
      ps.setLong(1, id);
      ps.executeUpdate();
    }
  }

  /**
   * Publishes a stream table's commit-to-visible latency, for {@code
   * pgtrickle.commit_latency_stats()}.
   */
  public static void saveLatency(
      Connection conn, String streamTable, dev.trickle.observe.LatencyStats.Summary s)
      throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "INSERT INTO pgtrickle.pgt_commit_latency (stream_table, count, p50_ms, p95_ms, p99_ms,"
                + " max_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (stream_table) DO UPDATE SET"
                + " count = EXCLUDED.count, p50_ms = EXCLUDED.p50_ms, p95_ms = EXCLUDED.p95_ms,"
                + " p99_ms = EXCLUDED.p99_ms, max_ms = EXCLUDED.max_ms, updated_at = now()")) {
      ps.setString(1, streamTable);
      ps.setLong(2, s.count());
      ps.setDouble(3, s.p50());
      ps.setDouble(4, s.p95());
      ps.setDouble(5, s.p99());
      ps.setDouble(6, s.max());
      ps.executeUpdate();
    }
  }

  /**
   * Replaces the published advisor recommendations (read by {@code
   * pgtrickle.tune_recommendations()}) in one transaction.
   */
  public static void saveRecommendations(
      Connection conn, List<dev.trickle.advisor.Recommendation> recommendations)
      throws SQLException {
    boolean auto = conn.getAutoCommit();
    conn.setAutoCommit(false);
    try (Statement clear = conn.createStatement();
        PreparedStatement ps =
            conn.prepareStatement(
                "INSERT INTO pgtrickle.pgt_tune_recommendations (ordinal, guc_name,"
                    + " current_value, recommended_value, reason) VALUES (?, ?, ?, ?, ?)")) {
      clear.execute("DELETE FROM pgtrickle.pgt_tune_recommendations");
      int ordinal = 0;
      for (dev.trickle.advisor.Recommendation r : recommendations) {
        ps.setInt(1, ++ordinal);
        ps.setString(2, r.gucName());
        ps.setString(3, r.currentValue());
        ps.setString(4, r.recommendedValue());
        ps.setString(5, r.reason());
        ps.addBatch();
      }
      ps.executeBatch();
      conn.commit();
    } catch (SQLException | RuntimeException e) {
      conn.rollback();
      throw e;
    } finally {
      conn.setAutoCommit(auto);
    }
  }

  /** The position last confirmed to a slot, if Trickle has confirmed any. */
  public static Optional<Lsn> slotPosition(Connection conn, String slot) throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "SELECT confirmed_lsn::text FROM pgtrickle.pgt_slots WHERE slot_name = ?")) {
      ps.setString(1, slot);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(Lsn.parse(rs.getString(1))) : Optional.empty();
      }
    }
  }

  /**
   * Records the position Trickle is about to confirm to a slot.
   *
   * @return the server's WAL insert position after the record
   */
  public static Lsn saveSlotPosition(Connection conn, String slot, String publication, Lsn lsn)
      throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "INSERT INTO pgtrickle.pgt_slots (slot_name, publication, confirmed_lsn) VALUES (?, ?,"
                + " ?::pg_lsn) ON CONFLICT (slot_name) DO UPDATE SET confirmed_lsn ="
                + " greatest(pgt_slots.confirmed_lsn, EXCLUDED.confirmed_lsn), updated_at = now()")) {
      ps.setString(1, slot);
      ps.setString(2, publication);
      ps.setString(3, lsn.toString());
      ps.executeUpdate();
    }
    try (PreparedStatement ps = conn.prepareStatement("SELECT pg_current_wal_insert_lsn()::text");
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return Lsn.parse(rs.getString(1));
    }
  }

  /** Forgets the recorded position of a slot (after it was recreated). */
  public static void resetSlotPosition(Connection conn, String slot, Lsn lsn) throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "UPDATE pgtrickle.pgt_slots SET confirmed_lsn = ?::pg_lsn, updated_at = now() WHERE"
                + " slot_name = ?")) {
      ps.setString(1, lsn.toString());
      ps.setString(2, slot);
      ps.executeUpdate();
    }
  }

  private static List<StreamTableRow> read(PreparedStatement ps) throws SQLException {
    List<StreamTableRow> out = new ArrayList<>();
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        String preset = rs.getString(7);
        ResourceBudget budget =
            new ResourceBudget(
                preset == null ? null : Preset.parse(preset),
                rs.getObject(8, Integer.class),
                rs.getObject(9, Integer.class));
        String frontier = rs.getString(12);
        Timestamp last = rs.getTimestamp(13);
        out.add(
            new StreamTableRow(
                rs.getLong(1),
                new TableRef(rs.getString(2), rs.getString(3)),
                rs.getString(4),
                Duration.ofMillis(rs.getLong(5)),
                rs.getString(6),
                budget,
                Strategy.valueOf(rs.getString(10)),
                rs.getString(11),
                frontier == null ? null : PgSnapshot.parse(frontier),
                last == null ? null : last.toInstant(),
                rs.getString(14),
                rs.getString(15),
                rs.getString(16)));
      }
    }
    return out;
  }
}
