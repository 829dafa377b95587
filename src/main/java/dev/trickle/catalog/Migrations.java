package dev.trickle.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates and migrates the {@code pgtrickle} schema from the numbered scripts in {@code
 * db/migration}. Each script runs once, in its own transaction, under an advisory lock so that two
 * services starting together do not race.
 */
public final class Migrations {
  private static final Logger log = LoggerFactory.getLogger(Migrations.class);
  private static final long LOCK_KEY = 0x7472_6963_6b6cL;

  /** The scripts in order; a new version is appended here and never edited afterwards. */
  static final List<String> SCRIPTS =
      List.of(
          "V1__catalog.sql",
          "V2__origin.sql",
          "V3__templates.sql",
          "V4__budget.sql",
          "V5__source_tables.sql",
          "V6__commit_latency.sql",
          "V7__tune_recommendations.sql",
          "V8__sql_requests.sql",
          "V9__sql_control.sql",
          "V10__cdc_offsets.sql");

  private Migrations() {}

  /**
   * Brings the catalog to the newest version.
   *
   * @param conn an open connection (autocommit is restored afterwards)
   * @return the version now in place
   * @throws SQLException when a script fails
   */
  public static int migrate(Connection conn) throws SQLException {
    boolean auto = conn.getAutoCommit();
    conn.setAutoCommit(false);
    try (Statement st = conn.createStatement()) {
      st.execute("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")");
      int current = currentVersion(st);
      for (int v = current + 1; v <= SCRIPTS.size(); v++) {
        st.execute(read(SCRIPTS.get(v - 1)));
        st.execute(
            "INSERT INTO pgtrickle.schema_version (version, script) VALUES ("
                + v
                + ", '"
                + SCRIPTS.get(v - 1)
                + "')");
        log.info("catalog migrated to version {}", v);
      }
      conn.commit();
      return SCRIPTS.size();
    } catch (SQLException | RuntimeException e) {
      conn.rollback();
      throw e;
    } finally {
      conn.setAutoCommit(auto);
    }
  }

  private static int currentVersion(Statement st) throws SQLException {
    st.execute("CREATE SCHEMA IF NOT EXISTS pgtrickle");
    st.execute(
        "CREATE TABLE IF NOT EXISTS pgtrickle.schema_version (version int PRIMARY KEY, script"
            + " text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
    try (ResultSet rs =
        st.executeQuery("SELECT coalesce(max(version), 0) FROM pgtrickle.schema_version")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  private static String read(String script) {
    try (InputStream in = Migrations.class.getResourceAsStream("/db/migration/" + script)) {
      if (in == null) {
        throw new IllegalStateException("missing migration " + script);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read migration " + script, e);
    }
  }
}
