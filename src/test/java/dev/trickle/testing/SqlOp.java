package dev.trickle.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * One statement of a generated transaction: plain SQL (which may hold several statements) when it
 * has no parameters, else a prepared statement. Property tests generate lists of these and apply
 * them with {@link #applyAll}.
 *
 * @param sql the statement
 * @param params its parameters, in order (may hold nulls)
 */
public record SqlOp(String sql, List<Object> params) {

  /** Runs the statement on a connection. */
  public void run(Connection c) throws SQLException {
    if (params.isEmpty()) {
      try (Statement st = c.createStatement()) {
        st.execute(sql);
      }
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.size(); i++) {
        ps.setObject(i + 1, params.get(i));
      }
      ps.execute();
    }
  }

  /**
   * Applies each transaction on its own connection: committed, or rolled back when {@code rollBack}
   * says so or a statement fails (a generated transaction may violate a constraint).
   *
   * @param db the database
   * @param transactions the transactions, in order
   * @param rollBack which transactions to roll back on purpose
   * @throws SQLException when a connection cannot be opened
   */
  public static void applyAll(
      PgDatabase db, List<List<SqlOp>> transactions, Predicate<List<SqlOp>> rollBack)
      throws SQLException {
    for (List<SqlOp> tx : transactions) {
      try (Connection c = db.connect()) {
        c.setAutoCommit(false);
        try {
          for (SqlOp op : tx) {
            op.run(c);
          }
          if (rollBack.test(tx)) {
            c.rollback();
          } else {
            c.commit();
          }
        } catch (SQLException e) {
          c.rollback();
        }
      }
    }
  }

  @Override
  public String toString() {
    List<Object> shown = new ArrayList<>();
    for (Object p : params) {
      shown.add(
          p instanceof String t && t.length() > 20
              ? t.substring(0, 8) + "…(" + t.length() + ")"
              : p);
    }
    return sql + " " + shown;
  }
}
