package dev.trickle.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The oracle every end-to-end test ends with: a stream table must equal its defining query run
 * directly, as multisets (EXCEPT ALL both ways), over the query's own output columns.
 */
public final class Oracle {
  private Oracle() {}

  /**
   * Rows by which the stream table and the query differ (0 when equal).
   *
   * @param conn a connection
   * @param streamTable quoted or plain name of the stream table
   * @param query the defining query
   * @return the size of the symmetric multiset difference
   * @throws SQLException on database errors
   */
  public static long difference(Connection conn, String streamTable, String query)
      throws SQLException {
    String cols = columns(conn, query);
    String sql =
        "SELECT count(*) FROM ((SELECT "
            + cols
            + " FROM "
            + streamTable
            + " EXCEPT ALL SELECT "
            + cols
            + " FROM ("
            + query
            + ") q1) UNION ALL (SELECT "
            + cols
            + " FROM ("
            + query
            + ") q2 EXCEPT ALL SELECT "
            + cols
            + " FROM "
            + streamTable
            + ")) d";
    try (Statement st = conn.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /**
   * Polls until the stream table equals its query.
   *
   * @param conn a connection
   * @param streamTable the stream table
   * @param query its query
   * @param timeoutMillis how long to wait
   * @return the last difference (0 when equal)
   * @throws Exception on database errors or interruption
   */
  public static long awaitEqual(
      Connection conn, String streamTable, String query, long timeoutMillis) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    long d = difference(conn, streamTable, query);
    while (d != 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
      d = difference(conn, streamTable, query);
    }
    return d;
  }

  private static String columns(Connection conn, String query) throws SQLException {
    boolean auto = conn.getAutoCommit();
    conn.setAutoCommit(false);
    try (Statement st = conn.createStatement()) {
      st.execute("CREATE TEMP VIEW __oracle_probe AS " + query);
      try (ResultSet rs =
          st.executeQuery(
              "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute"
                  + " WHERE attrelid = '__oracle_probe'::regclass AND attnum > 0")) {
        rs.next();
        return rs.getString(1);
      }
    } finally {
      conn.rollback();
      conn.setAutoCommit(auto);
    }
  }
}
