package dev.trickle.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension giving a test class its own freshly created database on the shared {@link
 * PgServer}, dropped (with its sessions and replication slots) after the class.
 *
 * <pre>{@code
 * @RegisterExtension static final PgDatabase db = new PgDatabase();
 * }</pre>
 *
 * <p>{@code @Nested} classes share the database of the class that registered the extension.
 */
public final class PgDatabase implements BeforeAllCallback, AfterAllCallback {
  private static final AtomicInteger COUNTER = new AtomicInteger();
  private static final int MAX_PREFIX = 40;

  private volatile String name;
  private volatile Class<?> owner;

  /** Creates the extension; the database is created before the test class runs. */
  public PgDatabase() {}

  /**
   * Creates a database outside the JUnit life cycle; {@link #drop()} it when done.
   *
   * @param hint text the database's name is derived from
   * @return a handle on the new database
   * @throws SQLException if it cannot be created
   */
  public static PgDatabase create(String hint) throws SQLException {
    PgDatabase db = new PgDatabase();
    db.open(hint);
    return db;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws SQLException {
    if (name != null) {
      return; // a @Nested class: keep the enclosing class's database
    }
    owner = context.getRequiredTestClass();
    open(owner.getSimpleName());
  }

  @Override
  public void afterAll(ExtensionContext context) throws SQLException {
    if (name != null && context.getRequiredTestClass().equals(owner)) {
      drop();
    }
  }

  private void open(String hint) throws SQLException {
    String candidate = uniqueName(hint);
    PgServer.get().createDatabase(candidate);
    name = candidate;
  }

  /**
   * Drops the database, terminating its sessions and walsenders and dropping its replication slots.
   *
   * @throws SQLException if that fails
   */
  public void drop() throws SQLException {
    String current = name;
    if (current != null) {
      PgServer.get().dropDatabase(current);
      name = null;
    }
  }

  /** {@code t_<sanitized hint>_<pid>_<n>}: lowercase, at most 63 bytes, unique per server. */
  static String uniqueName(String hint) {
    StringBuilder b = new StringBuilder();
    for (char ch : hint.toLowerCase(Locale.ROOT).toCharArray()) {
      b.append((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ? ch : '_');
    }
    String prefix = b.length() > MAX_PREFIX ? b.substring(0, MAX_PREFIX) : b.toString();
    return "t_"
        + prefix
        + "_"
        + Long.toString(ProcessHandle.current().pid(), 36)
        + "_"
        + COUNTER.incrementAndGet();
  }

  /**
   * The database's name.
   *
   * @return the name
   * @throws IllegalStateException before the database was created or after it was dropped
   */
  public String name() {
    String current = name;
    if (current == null) {
      throw new IllegalStateException("no database: used outside the test class's life cycle?");
    }
    return current;
  }

  /**
   * The shared server holding the database.
   *
   * @return the server
   */
  public PgServer server() {
    return PgServer.get();
  }

  /**
   * A pgjdbc URL for the database.
   *
   * @return the URL
   */
  public String jdbcUrl() {
    return PgServer.get().jdbcUrl(name());
  }

  /**
   * A libpq-style URL for the database.
   *
   * @return the URL
   */
  public String postgresUrl() {
    return PgServer.get().postgresUrl(name());
  }

  /**
   * Opens a new connection (auto-commit) to the database.
   *
   * @return the connection; the caller closes it
   * @throws SQLException if connecting fails
   */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl());
  }

  /**
   * Executes statements in order on one auto-commit connection.
   *
   * @param sql the statements
   * @throws SQLException if one fails
   */
  public void execute(String... sql) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      for (String statement : sql) {
        s.execute(statement);
      }
    }
  }

  /**
   * Runs a query and returns the first column of its first row as a long.
   *
   * @param sql the query
   * @return the value
   * @throws SQLException if the query fails, returns no row or returns NULL
   */
  public long queryLong(String sql) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      if (!rs.next()) {
        throw new SQLException("no rows: " + sql);
      }
      long value = rs.getLong(1);
      if (rs.wasNull()) {
        throw new SQLException("NULL: " + sql);
      }
      return value;
    }
  }

  /**
   * Runs a query and returns every row as the text of its columns.
   *
   * @param sql the query
   * @return the rows; an element is null where the column is NULL
   * @throws SQLException if the query fails
   */
  public List<List<String>> queryRows(String sql) throws SQLException {
    try (Connection c = connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      ResultSetMetaData meta = rs.getMetaData();
      int columns = meta.getColumnCount();
      List<List<String>> rows = new ArrayList<>();
      while (rs.next()) {
        String[] row = new String[columns];
        for (int i = 0; i < columns; i++) {
          row[i] = rs.getString(i + 1);
        }
        rows.add(Collections.unmodifiableList(Arrays.asList(row)));
      }
      return Collections.unmodifiableList(rows);
    }
  }

  @Override
  public String toString() {
    String current = name;
    return "PgDatabase[" + (current == null ? "(none)" : current) + "]";
  }
}
