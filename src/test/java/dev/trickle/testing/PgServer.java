package dev.trickle.testing;

import dev.trickle.pg.LocalCluster;
import dev.trickle.pg.PostgresBinaries;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The one PostgreSQL server shared by all test classes of a test JVM, started on first use.
 *
 * <p>In order of preference: the server named by {@value #ENV_URL} (a {@code
 * postgresql://user[:password]@host:port/db} or {@code jdbc:postgresql://...} URL of a server with
 * {@code wal_level=logical}); a {@code postgres:17} Testcontainers container when Docker is
 * available; otherwise a {@link LocalCluster} from {@link PostgresBinaries#preferSystem()}.
 */
public final class PgServer {
  /** Environment variable naming an existing server to use. */
  public static final String ENV_URL = "TRICKLE_TEST_URL";

  private static final Logger log = LoggerFactory.getLogger(PgServer.class);
  private static PgServer instance;

  private final String description;
  private final String host;
  private final int port;
  private final String user;
  private final String password;
  private final String adminDatabase;
  private final LocalCluster cluster;

  private PgServer(
      String description,
      String host,
      int port,
      String user,
      String password,
      String adminDatabase,
      LocalCluster cluster) {
    this.description = description;
    this.host = host;
    this.port = port;
    this.user = user;
    this.password = password;
    this.adminDatabase = adminDatabase;
    this.cluster = cluster;
  }

  /**
   * Returns the shared server, starting it on first use.
   *
   * @return the server
   */
  public static synchronized PgServer get() {
    if (instance == null) {
      long started = System.nanoTime();
      instance = create();
      log.info(
          "test PostgreSQL server: {} (ready in {} ms)",
          instance.description,
          Duration.ofNanos(System.nanoTime() - started).toMillis());
    }
    return instance;
  }

  private static PgServer create() {
    String url = System.getenv(ENV_URL);
    if (url != null && !url.isBlank()) {
      return fromUrl(url.trim());
    }
    if (dockerAvailable()) {
      return fromContainer();
    }
    log.info("no {} and no Docker: starting a local PostgreSQL cluster", ENV_URL);
    LocalCluster cluster = LocalCluster.start(PostgresBinaries.preferSystem());
    return new PgServer(
        "local cluster " + cluster,
        cluster.host(),
        cluster.port(),
        "postgres",
        null,
        "postgres",
        cluster);
  }

  /** Whether Docker can be used; any failure to find out means no. */
  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable e) { // Testcontainers may fail in many ways, LinkageError included
      log.debug("Docker check failed", e);
      return false;
    }
  }

  private static PgServer fromContainer() {
    PostgreSQLContainer<?> container =
        new PostgreSQLContainer<>(DockerImageName.parse("postgres:17"))
            .withUsername("postgres")
            .withPassword("postgres")
            .withDatabaseName("postgres")
            .withCommand(
                "postgres",
                "-c",
                "wal_level=logical",
                "-c",
                "track_commit_timestamp=on",
                "-c",
                "fsync=off",
                "-c",
                "max_replication_slots=20",
                "-c",
                "max_wal_senders=20");
    container.start();
    Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "trickle-pg-container-stop"));
    return new PgServer(
        "container " + container.getDockerImageName(),
        container.getHost(),
        container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT),
        "postgres",
        "postgres",
        "postgres",
        null);
  }

  /**
   * Parses {@code [jdbc:]postgres[ql]://[user[:password]@]host[:port][/db][?user=..&password=..]}.
   */
  static PgServer fromUrl(String url) {
    String text = url.startsWith("jdbc:") ? url.substring("jdbc:".length()) : url;
    URI uri = URI.create(text);
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("postgresql") && !scheme.equals("postgres")) {
      throw new IllegalArgumentException(ENV_URL + " is not a postgresql:// URL: " + url);
    }
    String user = null;
    String password = null;
    String userInfo = uri.getRawUserInfo();
    if (userInfo != null) {
      int colon = userInfo.indexOf(':');
      user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
      password = colon < 0 ? null : decode(userInfo.substring(colon + 1));
    }
    String query = uri.getRawQuery();
    if (query != null) {
      for (String pair : splitOn(query, '&')) {
        int eq = pair.indexOf('=');
        String key = decode(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        if (key.equals("user")) {
          user = value;
        } else if (key.equals("password")) {
          password = value;
        }
      }
    }
    String path = uri.getPath() == null ? "" : uri.getPath();
    String db = path.startsWith("/") ? path.substring(1) : path;
    String host = uri.getHost() == null ? "localhost" : uri.getHost();
    int port = uri.getPort() < 0 ? 5432 : uri.getPort();
    return new PgServer(
        "external server " + host + ":" + port,
        host,
        port,
        user == null ? System.getProperty("user.name") : user,
        password,
        db.isEmpty() ? "postgres" : db,
        null);
  }

  private static List<String> splitOn(String text, char separator) {
    List<String> parts = new ArrayList<>();
    int start = 0;
    for (int i = 0; i <= text.length(); i++) {
      if (i == text.length() || text.charAt(i) == separator) {
        if (i > start) {
          parts.add(text.substring(start, i));
        }
        start = i + 1;
      }
    }
    return parts;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /**
   * A pgjdbc URL for a database of this server, credentials included.
   *
   * @param database database name
   * @return the URL
   */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://"
        + host
        + ":"
        + port
        + "/"
        + encode(database)
        + "?user="
        + encode(user)
        + (password == null ? "" : "&password=" + encode(password));
  }

  /**
   * A libpq-style URL for a database of this server, credentials included.
   *
   * @param database database name
   * @return {@code postgresql://user[:password]@host:port/database}
   */
  public String postgresUrl(String database) {
    return "postgresql://"
        + encode(user)
        + (password == null ? "" : ":" + encode(password))
        + "@"
        + host
        + ":"
        + port
        + "/"
        + encode(database);
  }

  /**
   * The database used for administrative statements such as {@code CREATE DATABASE}.
   *
   * @return the maintenance database's name
   */
  public String adminDatabase() {
    return adminDatabase;
  }

  /**
   * Opens a connection to the maintenance database.
   *
   * @return a new connection
   * @throws SQLException if connecting fails
   */
  public Connection connectAdmin() throws SQLException {
    return DriverManager.getConnection(jdbcUrl(adminDatabase));
  }

  /**
   * Whether {@link #restart()} and {@link #crashRestart()} work (only for a local cluster).
   *
   * @return true if this server can be restarted
   */
  public boolean canRestart() {
    return cluster != null;
  }

  /** Restarts the server cleanly (fast shutdown, then start); existing connections are lost. */
  public synchronized void restart() {
    requireCluster().stop();
    cluster.start();
  }

  /**
   * Crashes the server (immediate shutdown, no checkpoint) and starts it again (crash recovery).
   */
  public synchronized void crashRestart() {
    requireCluster().crashStop();
    cluster.start();
  }

  private LocalCluster requireCluster() {
    if (cluster == null) {
      throw new UnsupportedOperationException(description + " cannot be restarted");
    }
    return cluster;
  }

  /**
   * Creates a database.
   *
   * @param name the database's name
   * @throws SQLException if it cannot be created
   */
  public void createDatabase(String name) throws SQLException {
    try (Connection c = connectAdmin();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + LocalCluster.quoteIdentifier(name));
    }
  }

  /**
   * Drops a database after terminating its sessions and walsenders and dropping the replication
   * slots that belong to it.
   *
   * @param name the database's name
   * @throws SQLException if it cannot be dropped
   */
  public void dropDatabase(String name) throws SQLException {
    try (Connection c = connectAdmin()) {
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (true) {
        terminateBackends(c, name);
        List<String> remaining = dropInactiveSlots(c, name);
        if (remaining.isEmpty()) {
          break;
        }
        if (System.nanoTime() > deadline) {
          throw new SQLException("replication slots of " + name + " stay active: " + remaining);
        }
        sleep(Duration.ofMillis(100));
      }
      try (Statement s = c.createStatement()) {
        s.execute(
            "DROP DATABASE IF EXISTS " + LocalCluster.quoteIdentifier(name) + " WITH (FORCE)");
      }
    }
  }

  /** Terminates walsenders holding the database's slots and every session connected to it. */
  private static void terminateBackends(Connection c, String db) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots"
                + " WHERE database = ? AND active_pid IS NOT NULL")) {
      ps.setString(1, db);
      ps.executeQuery().close();
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                + " WHERE datname = ? AND pid <> pg_backend_pid()")) {
      ps.setString(1, db);
      ps.executeQuery().close();
    }
  }

  /** Drops the database's inactive slots; returns the names of those still active. */
  private static List<String> dropInactiveSlots(Connection c, String db) throws SQLException {
    List<String> active = new ArrayList<>();
    List<String> inactive = new ArrayList<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "SELECT slot_name, active FROM pg_replication_slots WHERE database = ?")) {
      ps.setString(1, db);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          (rs.getBoolean(2) ? active : inactive).add(rs.getString(1));
        }
      }
    }
    for (String slot : inactive) {
      try (PreparedStatement ps = c.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
        ps.setString(1, slot);
        ps.executeQuery().close();
      } catch (SQLException e) {
        // It may have become active again (a client reconnecting); retried by the caller.
        log.debug("cannot drop slot {} yet", slot, e);
        active.add(slot);
      }
    }
    return active;
  }

  private static void sleep(Duration duration) throws SQLException {
    try {
      Thread.sleep(duration.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SQLException("interrupted", e);
    }
  }

  /** The server log, when the tests started the server themselves. */
  public java.util.Optional<java.nio.file.Path> logFile() {
    return cluster == null ? java.util.Optional.empty() : java.util.Optional.of(cluster.logFile());
  }

  @Override
  public String toString() {
    return "PgServer[" + description + "]";
  }
}
