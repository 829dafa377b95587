package dev.trickle.service;

import dev.trickle.catalog.CatalogStore;
import dev.trickle.catalog.StreamTableRow;
import dev.trickle.catalog.TemplateStore;
import dev.trickle.dvm.DvmLimits;
import dev.trickle.dvm.RefreshSqlBuilder;
import dev.trickle.model.Strategy;
import dev.trickle.model.TableRef;
import dev.trickle.refresh.StreamTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the registry in line with the configuration at start-up: creates new stream tables
 * (storage and catalog row in one transaction), recreates those whose query changed, resumes the
 * others, and detaches registered stream tables the configuration no longer lists.
 */
final class StreamTableRegistry {
  private static final Logger log = LoggerFactory.getLogger(StreamTableRegistry.class);

  /** Status of a registered stream table that the configuration no longer lists. */
  static final String DETACHED = "DETACHED";

  private StreamTableRegistry() {}

  static StreamTable createOrResume(
      Connection conn,
      Plan p,
      StreamTableRow row,
      String slot,
      String origin,
      int templateCacheMaxEntries)
      throws SQLException {
    String changed = null;
    if (row != null && !row.query().equals(p.query())) {
      changed = "query of " + p.name() + " changed";
    } else if (row != null) {
      List<String> existing = hiddenColumns(conn, p.name());
      if (!existing.isEmpty() && !existing.equals(p.sql().hiddenColumns())) {
        changed =
            "storage of "
                + p.name()
                + " has the layout of another release ("
                + String.join(", ", existing)
                + ", now "
                + String.join(", ", p.sql().hiddenColumns())
                + ")";
      }
    }
    if (changed != null) {
      log.info("{}; recreating it", changed);
      conn.setAutoCommit(false);
      try (Statement st = conn.createStatement()) {
        st.execute("DROP TABLE IF EXISTS " + p.name().quoted());
        CatalogStore.delete(conn, row.id());
        conn.commit();
      } finally {
        conn.setAutoCommit(true);
      }
      row = null;
    }
    long id;
    if (row == null) {
      conn.setAutoCommit(false);
      try (Statement st = conn.createStatement()) {
        for (String s : p.sql().createStorage()) {
          st.execute(s);
        }
        id =
            CatalogStore.insert(
                conn,
                p.name(),
                p.query(),
                p.schedule(),
                p.mode().name(),
                p.budget(),
                p.sql().strategy(),
                slot,
                origin);
        conn.commit();
      } catch (SQLException | RuntimeException e) {
        conn.rollback();
        throw e;
      } finally {
        conn.setAutoCommit(true);
      }
      log.info("created stream table {} ({}, {})", p.name(), p.mode(), p.sql().strategy());
    } else {
      id = row.id();
      CatalogStore.updateSettings(conn, id, p.schedule(), p.mode().name(), p.budget());
      if (DETACHED.equals(row.status())) {
        log.info(
            "{} is configured again; filling it again (changes were not followed while it was detached)",
            p.name());
        CatalogStore.forgetFrontier(conn, id);
      }
    }
    return registered(conn, p, id, templateCacheMaxEntries);
  }

  /**
   * Takes a stream table in ERROR after a source change up again, planned anew: its storage is
   * created again when the plan's columns differ from it (else kept), its frontier is forgotten
   * (the next refresh fills it), and its sources and generated SQL are saved; the catalog id stays.
   */
  static StreamTable replan(
      Connection conn, Plan p, StreamTableRow row, int templateCacheMaxEntries)
      throws SQLException {
    conn.setAutoCommit(false);
    try (Statement st = conn.createStatement()) {
      List<String> existing = storageColumns(conn, p.name());
      st.execute("SAVEPOINT __pgt_layout");
      st.execute("DROP TABLE IF EXISTS " + p.name().quoted());
      for (String s : p.sql().createStorage()) {
        st.execute(s);
      }
      List<String> planned = storageColumns(conn, p.name());
      st.execute("ROLLBACK TO SAVEPOINT __pgt_layout");
      if (!planned.equals(existing)) {
        log.info(
            "the columns of {} change with its sources ({} -> {}); creating its table again",
            p.name(),
            String.join(", ", existing),
            String.join(", ", planned));
        st.execute("DROP TABLE IF EXISTS " + p.name().quoted());
        for (String s : p.sql().createStorage()) {
          st.execute(s);
        }
      }
      CatalogStore.forgetFrontier(conn, row.id());
      CatalogStore.setStrategy(conn, row.id(), p.sql().strategy().name());
      conn.commit();
    } catch (SQLException | RuntimeException e) {
      conn.rollback();
      throw e;
    } finally {
      conn.setAutoCommit(true);
    }
    return registered(conn, p, row.id(), templateCacheMaxEntries);
  }

  /** Every column of a table with its type, in order (none if missing). */
  private static List<String> storageColumns(Connection conn, TableRef table) throws SQLException {
    List<String> out = new java.util.ArrayList<>();
    try (java.sql.PreparedStatement ps =
        conn.prepareStatement(
            "SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
                + " WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped"
                + " ORDER BY a.attnum")) {
      ps.setString(1, table.quoted());
      try (java.sql.ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  /** Saves a registered stream table's sources and generated SQL; the stream table to run. */
  private static StreamTable registered(
      Connection conn, Plan p, long id, int templateCacheMaxEntries) throws SQLException {
    CatalogStore.saveSources(conn, id, p.sources());
    Strategy strategy = p.sql().strategy();
    var sql = RefreshSqlBuilder.forQuery(id, p.name(), p.query(), p.probe(), strategy, p.limits());
    String version = templateVersion(p.query(), strategy, p.limits());
    TemplateStore.save(conn, id, version, sql, templateCacheMaxEntries);
    // AUTO's change ratio compares the changed rows with the rows of every source table
    long sourceRows = 0;
    for (var source : p.probe().sources()) {
      sourceRows =
          source.estimatedRows() < 0 || sourceRows < 0 ? -1 : sourceRows + source.estimatedRows();
    }
    return new StreamTable(
        id,
        p.name(),
        p.query(),
        p.mode(),
        p.budget(),
        p.schedule(),
        p.sources(),
        sourceRows,
        strategy,
        version,
        dev.trickle.dvm.QueryProbe.rebind(conn, p.sourceSchema()));
  }

  /** The hidden columns ({@code __pgt_...}) of an existing table, in order (none if missing). */
  static List<String> hiddenColumns(Connection conn, TableRef table) throws SQLException {
    List<String> out = new java.util.ArrayList<>();
    try (java.sql.PreparedStatement ps =
        conn.prepareStatement(
            "SELECT a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN"
                + " pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?"
                + " AND a.attnum > 0 AND NOT a.attisdropped AND a.attname LIKE '\\_\\_pgt\\_%'"
                + " ORDER BY a.attnum")) {
      ps.setString(1, table.schema());
      ps.setString(2, table.name());
      try (java.sql.ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  /**
   * The revision of the delta SQL generator. Bump it when the SQL generated for a stream table
   * changes shape (2: KEYED changed keys bound as arrays instead of copied into a temp table; 3:
   * KEYED rows identified by a copy of the key instead of its md5), so that templates stored by an
   * older release are regenerated rather than reused.
   */
  static final int GENERATOR_REVISION = 3;

  /**
   * The version of a stream table's generated SQL: it changes when anything it is generated from
   * does (the generator, the query, the strategy, the delta engine's guards).
   */
  static String templateVersion(String query, Strategy strategy, DvmLimits limits) {
    try {
      byte[] digest =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(
                  (GENERATOR_REVISION + "\n" + query + "\n" + strategy + "\n" + limits)
                      .getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(digest, 0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Marks registered stream tables of this slot that the configuration no longer lists: they keep
   * their contents but are no longer maintained, and are filled again if they come back.
   */
  static void detachUnconfigured(
      Connection conn,
      java.util.Collection<StreamTableRow> rows,
      Set<TableRef> configured,
      String slot)
      throws SQLException {
    for (StreamTableRow row : rows) {
      if (!configured.contains(row.name())
          && !row.isRuntime()
          && !DETACHED.equals(row.status())
          && slot.equals(row.slot())) {
        CatalogStore.setStatus(conn, row.id(), DETACHED);
        log.warn(
            "stream table {} is registered but not in the configuration: it is no longer"
                + " maintained (status DETACHED); drop the table, or configure it again",
            row.name());
      }
    }
  }
}
