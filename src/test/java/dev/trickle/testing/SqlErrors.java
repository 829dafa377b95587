package dev.trickle.testing;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.util.PSQLException;

/** What a failed SQL statement tells its session. */
public final class SqlErrors {
  private SqlErrors() {}

  /**
   * Runs a statement that must fail and returns the server's message, as psql prints it after
   * {@code ERROR:}.
   *
   * @throws AssertionError when the statement succeeds
   */
  public static String errorOf(Connection c, String statement) {
    try (Statement s = c.createStatement()) {
      s.execute(statement);
    } catch (PSQLException e) {
      return e.getServerErrorMessage() == null
          ? e.getMessage()
          : e.getServerErrorMessage().getMessage();
    } catch (SQLException e) {
      throw new AssertionError(e);
    }
    throw new AssertionError("no error from " + statement);
  }
}
