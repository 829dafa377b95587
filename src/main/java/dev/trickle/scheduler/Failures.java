package dev.trickle.scheduler;

import io.r2dbc.spi.R2dbcException;
import io.r2dbc.spi.R2dbcNonTransientResourceException;
import io.r2dbc.spi.R2dbcTransientResourceException;
import java.io.IOException;
import java.sql.SQLException;

/**
 * Sorts refresh failures by what the scheduler can do about them: a lost connection (server
 * restart, network) is retried at once and is not the stream table's fault; everything else counts
 * as a failed refresh.
 */
final class Failures {
  private Failures() {}

  static boolean isConnectionLoss(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      String state = sqlState(t);
      if (state != null) {
        // the server answered: its error code says whether the connection is the trouble (the
        // driver files codes it does not know, such as a PL/pgSQL RAISE, under "resource")
        return state.startsWith("08") || state.startsWith("57P");
      }
      if (t instanceof IOException
          || t instanceof R2dbcNonTransientResourceException
          || t instanceof R2dbcTransientResourceException) {
        return true;
      }
      String m = t.getMessage();
      if (m != null
          && (m.contains("Connection closed")
              || m.contains("connection has been closed")
              || m.contains("Connection refused"))) {
        return true;
      }
    }
    return false;
  }

  /** Whether the server ran out of memory (SQLSTATE 53200, or a message saying so). */
  static boolean isOutOfMemory(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if ("53200".equals(sqlState(t)) || (m != null && m.contains("out of memory"))) {
        return true;
      }
    }
    return false;
  }

  /** Whether a lock could not be had in time (SQLSTATE 55P03). */
  static boolean isLockTimeout(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if ("55P03".equals(sqlState(t))) {
        return true;
      }
    }
    return false;
  }

  static String oneLine(Throwable t) {
    String m = t.getMessage() == null ? t.toString() : t.getMessage();
    return m.lines().findFirst().orElse(m);
  }

  private static String sqlState(Throwable t) {
    if (t instanceof SQLException e) {
      return e.getSQLState();
    }
    if (t instanceof R2dbcException e) {
      return e.getSqlState();
    }
    return null;
  }
}
