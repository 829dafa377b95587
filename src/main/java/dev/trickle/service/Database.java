package dev.trickle.service;

import dev.trickle.config.DatabaseUrl;
import dev.trickle.config.PgPass;
import io.r2dbc.postgresql.PostgresqlConnectionConfiguration;
import io.r2dbc.postgresql.PostgresqlConnectionFactory;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * How to reach the source database, over JDBC (catalog, admin, fences, replication) and R2DBC
 * (refresh transactions). The password stays in memory and is never logged.
 */
public final class Database {
  private final DatabaseUrl url;
  private final PostgresqlConnectionFactory r2dbc;

  /**
   * Creates the connection factories.
   *
   * @param url the database URL
   */
  public Database(DatabaseUrl url) {
    this.url = url;
    PostgresqlConnectionConfiguration.Builder b =
        PostgresqlConnectionConfiguration.builder()
            .host(url.host())
            .port(url.port())
            .database(url.database())
            .username(url.user())
            .applicationName("trickle-refresh");
    String password = password(url);
    if (password != null) {
      b.password(password);
    }
    this.r2dbc = new PostgresqlConnectionFactory(b.build());
  }

  /** The URL (without password when printed). */
  public DatabaseUrl url() {
    return url;
  }

  /** JDBC URL without credentials. */
  public String jdbcUrl() {
    return url.toJdbcUrl();
  }

  /** JDBC properties holding the credentials. */
  public Properties properties() {
    Properties p = new Properties();
    p.setProperty("user", url.user());
    String password = password(url);
    if (password != null) {
      p.setProperty("password", password);
    }
    p.setProperty("ApplicationName", "trickle");
    return p;
  }

  /**
   * Opens an autocommit JDBC connection.
   *
   * @return the connection
   * @throws SQLException when the server cannot be reached
   */
  public Connection connect() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(), properties());
  }

  /**
   * Opens an autocommit JDBC connection that shows up in {@code pg_stat_activity} under a name of
   * its own, wrapping failures as unchecked.
   *
   * @param applicationName e.g. {@code trickle-fence}
   * @return the connection
   */
  public Connection connectUnchecked(String applicationName) {
    Properties p = properties();
    p.setProperty("ApplicationName", applicationName);
    try {
      return DriverManager.getConnection(jdbcUrl(), p);
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** Opens an R2DBC connection (blocking until connected). */
  public PostgresqlConnection connectR2dbc() {
    return r2dbc.create().block();
  }

  /**
   * The password: from the URL, else {@code PGPASSWORD}, else the password file ({@code
   * PGPASSFILE}, default {@code ~/.pgpass}); null when none applies.
   */
  private static String password(DatabaseUrl url) {
    if (url.password() != null) {
      return url.password();
    }
    String env = System.getenv("PGPASSWORD");
    if (env != null) {
      return env;
    }
    String file = System.getenv("PGPASSFILE");
    java.nio.file.Path path =
        file != null
            ? java.nio.file.Path.of(file)
            : java.nio.file.Path.of(System.getProperty("user.home"), ".pgpass");
    try {
      return java.nio.file.Files.isReadable(path)
          ? PgPass.lookup(java.nio.file.Files.readString(path), url).orElse(null)
          : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }
}
