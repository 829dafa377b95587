package dev.trickle.catalog;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trickle.dvm.RefreshSql;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

/**
 * The catalog-level cache of generated refresh SQL, {@code pgtrickle.pgt_delta_templates}: one row
 * per stream table and query version, the {@link RefreshSql} as JSON, at most a configured number
 * of rows (the oldest go first).
 */
public final class TemplateStore {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TemplateStore() {}

  /**
   * Reads a stream table's templates.
   *
   * @param conn a connection
   * @param id the stream table
   * @param version its query version
   * @return the templates, if cached
   * @throws SQLException on database failures
   */
  public static Optional<RefreshSql> load(Connection conn, long id, String version)
      throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "SELECT templates::text FROM pgtrickle.pgt_delta_templates WHERE pgt_id = ? AND"
                + " version = ?")) {
      ps.setLong(1, id);
      ps.setString(2, version);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        try {
          return Optional.of(JSON.readValue(rs.getString(1), RefreshSql.class));
        } catch (JsonProcessingException e) {
          return Optional.empty(); // written by another version: generate again
        }
      }
    }
  }

  /**
   * Stores a stream table's templates, replacing older versions of them, and trims the cache to its
   * cap.
   *
   * @param conn a connection (auto-commit or inside the caller's transaction)
   * @param id the stream table
   * @param version its query version
   * @param sql the templates
   * @param maxEntries the cap ({@code pg_trickle.template_cache_max_entries})
   * @throws SQLException on database failures
   */
  public static void save(Connection conn, long id, String version, RefreshSql sql, int maxEntries)
      throws SQLException {
    String json;
    try {
      json = JSON.writeValueAsString(sql);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise refresh SQL", e);
    }
    try (PreparedStatement ps =
        conn.prepareStatement(
            "DELETE FROM pgtrickle.pgt_delta_templates WHERE pgt_id = ? AND version <> ?")) {
      ps.setLong(1, id);
      ps.setString(2, version);
      ps.executeUpdate();
    }
    try (PreparedStatement ps =
        conn.prepareStatement(
            "INSERT INTO pgtrickle.pgt_delta_templates (pgt_id, version, templates) VALUES (?, ?,"
                + " ?::jsonb) ON CONFLICT (pgt_id, version) DO UPDATE SET templates ="
                + " EXCLUDED.templates, created_at = now()")) {
      ps.setLong(1, id);
      ps.setString(2, version);
      ps.setString(3, json);
      ps.executeUpdate();
    }
    try (PreparedStatement ps =
        conn.prepareStatement(
            "DELETE FROM pgtrickle.pgt_delta_templates WHERE (pgt_id, version) IN (SELECT pgt_id,"
                + " version FROM pgtrickle.pgt_delta_templates ORDER BY created_at DESC, pgt_id"
                + " OFFSET ?)")) {
      ps.setInt(1, maxEntries);
      ps.executeUpdate();
    }
  }

  /**
   * Forgets a stream table's templates.
   *
   * @param conn a connection
   * @param id the stream table
   * @throws SQLException on database failures
   */
  public static void delete(Connection conn, long id) throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement("DELETE FROM pgtrickle.pgt_delta_templates WHERE pgt_id = ?")) {
      ps.setLong(1, id);
      ps.executeUpdate();
    }
  }
}
