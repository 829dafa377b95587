package dev.trickle.pg;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A throw-away PostgreSQL server in a temporary directory, configured for logical replication
 * ({@code wal_level=logical}, {@code track_commit_timestamp=on}) and for speed ({@code fsync=off},
 * {@code full_page_writes=off}; {@code synchronous_commit} stays on so that commits are durable
 * across {@link #crashStop()}).
 *
 * <p>The server listens on {@code 127.0.0.1} at a random free port with trust authentication for
 * user {@code postgres}. When the JVM runs as root, the programs run as the {@code postgres} OS
 * user because PostgreSQL refuses to run as root. Clusters still open when the JVM exits are
 * stopped and deleted by a shutdown hook.
 *
 * <pre>{@code
 * try (LocalCluster pg = LocalCluster.start(PostgresBinaries.preferSystem())) {
 *   pg.createDatabase("app");
 *   String url = pg.jdbcUrl("app");
 * }
 * }</pre>
 */
public final class LocalCluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LocalCluster.class);
  private static final String HOST = "127.0.0.1";
  private static final String SUPERUSER = "postgres";
  private static final Duration INITDB_TIMEOUT = Duration.ofMinutes(3);
  private static final int PG_CTL_WAIT_SECONDS = 60;
  private static final int PORT_ATTEMPTS = 3;
  private static final int LOG_TAIL_LINES = 40;

  private final PostgresBinaries binaries;
  private final Path baseDir;
  private final Path dataDir;
  private final Path logFile;
  private volatile int port;
  private volatile boolean running;
  private volatile boolean closed;

  private LocalCluster(PostgresBinaries binaries, Path baseDir) {
    this.binaries = binaries;
    this.baseDir = baseDir;
    this.dataDir = baseDir.resolve("data");
    this.logFile = baseDir.resolve("postgres.log");
  }

  /**
   * Creates a new cluster in a temporary directory with {@code initdb}, configures it and starts
   * it.
   *
   * @param binaries the PostgreSQL binaries to use
   * @return the running cluster; close it to stop it and delete its files
   * @throws PostgresProcessException if {@code initdb} or {@code pg_ctl} fails
   */
  public static LocalCluster start(PostgresBinaries binaries) {
    long started = System.nanoTime();
    Path baseDir;
    try {
      baseDir = Files.createTempDirectory("trickle-pg-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a temporary directory", e);
    }
    LocalCluster cluster = new LocalCluster(binaries, baseDir);
    ShutdownHooks.register(cluster);
    try {
      cluster.prepareBaseDir();
      cluster.initdb();
      cluster.startOnFreePort();
    } catch (RuntimeException e) {
      try {
        cluster.close();
      } catch (RuntimeException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    log.info(
        "started {} on port {} in {} ms",
        binaries,
        cluster.port,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    return cluster;
  }

  /**
   * The TCP port the server listens on; it stays the same across restarts.
   *
   * @return the port
   */
  public int port() {
    return port;
  }

  /**
   * The address the server listens on.
   *
   * @return {@code "127.0.0.1"}
   */
  public String host() {
    return HOST;
  }

  /**
   * A pgjdbc URL for a database of this cluster, connecting as the superuser {@code postgres}.
   *
   * @param database database name
   * @return {@code jdbc:postgresql://127.0.0.1:PORT/DATABASE?user=postgres}
   */
  public String jdbcUrl(String database) {
    return "jdbc:postgresql://" + HOST + ":" + port + "/" + encode(database) + "?user=" + SUPERUSER;
  }

  /**
   * A libpq-style URL for a database of this cluster, connecting as the superuser {@code postgres}.
   *
   * @param database database name
   * @return {@code postgresql://postgres@127.0.0.1:PORT/DATABASE}
   */
  public String postgresUrl(String database) {
    return "postgresql://" + SUPERUSER + "@" + HOST + ":" + port + "/" + encode(database);
  }

  /**
   * Creates a database.
   *
   * @param name database name (quoted as an identifier, so any text is allowed)
   * @throws IllegalStateException if the statement fails
   */
  public void createDatabase(String name) {
    try (Connection c = DriverManager.getConnection(jdbcUrl("postgres"));
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + quoteIdentifier(name));
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + name + " on " + this, e);
    }
  }

  /**
   * Starts the server if it is not running ({@code pg_ctl -w -t 60 start}).
   *
   * @throws PostgresProcessException if it does not come up
   */
  public synchronized void start() {
    checkOpen();
    if (running) {
      return;
    }
    pgCtl(
        "start",
        "-D",
        dataDir.toString(),
        "-l",
        logFile.toString(),
        "-w",
        "-t",
        Integer.toString(PG_CTL_WAIT_SECONDS));
    running = true;
  }

  /**
   * Stops the server cleanly ({@code -m fast}): sessions are terminated, a shutdown checkpoint is
   * written. Does nothing if it is not running.
   */
  public synchronized void stop() {
    stop("fast");
  }

  /**
   * Stops the server like a crash ({@code -m immediate}): no shutdown checkpoint, so the next start
   * runs crash recovery. Does nothing if it is not running.
   */
  public synchronized void crashStop() {
    stop("immediate");
  }

  /**
   * Stops the server immediately ({@code -m immediate}) and starts it again on the same port.
   * Committed data survives (crash recovery replays the WAL).
   */
  public synchronized void restart() {
    crashStop();
    start();
  }

  /**
   * The server log file ({@code pg_ctl -l}).
   *
   * @return the log file's path
   */
  public Path logFile() {
    return logFile;
  }

  /**
   * The data directory.
   *
   * @return the data directory's path
   */
  public Path dataDir() {
    return dataDir;
  }

  /**
   * The directory holding the server's Unix-domain socket ({@code unix_socket_directories}).
   *
   * @return the socket directory's path
   */
  public Path socketDir() {
    return baseDir;
  }

  /**
   * The binaries this cluster runs.
   *
   * @return the binaries
   */
  public PostgresBinaries binaries() {
    return binaries;
  }

  /**
   * Whether the server was started and not stopped since.
   *
   * @return true if running
   */
  public boolean isRunning() {
    return running;
  }

  /** Stops the server immediately (if running) and deletes its temporary directory. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    RuntimeException failure = null;
    try {
      if (running || Files.exists(dataDir.resolve("postmaster.pid"))) {
        running = true;
        stop("immediate");
      }
    } catch (RuntimeException e) {
      failure = e;
    }
    closed = true;
    ShutdownHooks.unregister(this);
    try {
      PostgresBinaries.deleteRecursively(baseDir);
    } catch (IOException e) {
      UncheckedIOException u = new UncheckedIOException("cannot delete " + baseDir, e);
      if (failure == null) {
        failure = u;
      } else {
        failure.addSuppressed(u);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  @Override
  public String toString() {
    return "LocalCluster[" + binaries + ", port " + port + ", " + baseDir + "]";
  }

  // ---------------------------------------------------------------------------------------------

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("cluster is closed: " + this);
    }
  }

  private void stop(String mode) {
    checkOpen();
    if (!running) {
      return;
    }
    pgCtl(
        "stop",
        "-D",
        dataDir.toString(),
        "-m",
        mode,
        "-w",
        "-t",
        Integer.toString(PG_CTL_WAIT_SECONDS));
    running = false;
  }

  /** The base directory must belong to the server's OS user, who creates the data dir inside. */
  private void prepareBaseDir() {
    try {
      Files.setPosixFilePermissions(baseDir, PosixFilePermissions.fromString("rwx------"));
      if (ProcessUser.isRoot()) {
        UserPrincipalLookupService lookup = baseDir.getFileSystem().getUserPrincipalLookupService();
        UserPrincipal user = lookup.lookupPrincipalByName(ProcessUser.SERVER_USER);
        GroupPrincipal group = lookup.lookupPrincipalByGroupName(ProcessUser.SERVER_USER);
        PosixFileAttributeView view =
            Files.getFileAttributeView(
                baseDir, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        view.setOwner(user);
        view.setGroup(group);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot prepare "
              + baseDir
              + (ProcessUser.isRoot()
                  ? " (running as root needs an OS user named " + ProcessUser.SERVER_USER + ")"
                  : ""),
          e);
    }
  }

  private void initdb() {
    List<String> base =
        List.of(
            binaries.program("initdb").toString(),
            "-D",
            dataDir.toString(),
            "-U",
            SUPERUSER,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-sync");
    boolean utf8Locale = hasCUtf8Locale();
    List<String> command = new ArrayList<>(base);
    command.add(utf8Locale ? "--locale=C.UTF-8" : "--no-locale");
    try {
      run(command, INITDB_TIMEOUT);
    } catch (PostgresProcessException e) {
      if (!utf8Locale) {
        throw e;
      }
      // The locale probe can be wrong (e.g. no `locale` program); retry without a locale.
      log.warn("initdb with C.UTF-8 failed, retrying with --no-locale", e);
      deleteDataDir();
      List<String> retry = new ArrayList<>(base);
      retry.add("--no-locale");
      run(retry, INITDB_TIMEOUT);
    }
    appendToConfig("include 'trickle.conf'\n");
  }

  private void deleteDataDir() {
    try {
      PostgresBinaries.deleteRecursively(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void startOnFreePort() {
    for (int attempt = 1; ; attempt++) {
      port = freePort();
      writeSettings();
      try {
        start();
        return;
      } catch (PostgresProcessException e) {
        boolean portTaken =
            e.getMessage().contains("could not bind")
                || e.getMessage().contains("Address already in use");
        if (!portTaken || attempt >= PORT_ATTEMPTS) {
          throw e;
        }
        log.info("port {} was taken, retrying with another", port);
      }
    }
  }

  private void writeSettings() {
    String settings =
        String.join(
            "\n",
            "# Written by dev.trickle.pg.LocalCluster",
            "port = " + port,
            "listen_addresses = '" + HOST + "'",
            "unix_socket_directories = '" + baseDir.toString().replace("'", "''") + "'",
            "wal_level = logical",
            "track_commit_timestamp = on",
            "fsync = off",
            "full_page_writes = off",
            "max_replication_slots = 20",
            "max_wal_senders = 20",
            "max_connections = 200",
            "shared_buffers = 128MB",
            "");
    Path file = dataDir.resolve("trickle.conf");
    try {
      Files.writeString(file, settings, StandardCharsets.UTF_8);
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  private void appendToConfig(String text) {
    Path conf = dataDir.resolve("postgresql.conf");
    try {
      Files.writeString(
          conf,
          Files.readString(conf, StandardCharsets.UTF_8) + "\n" + text,
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot update " + conf, e);
    }
  }

  private void pgCtl(String action, String... args) {
    List<String> command = new ArrayList<>();
    command.add(binaries.program("pg_ctl").toString());
    command.add(action);
    command.addAll(List.of(args));
    run(command, Duration.ofSeconds(PG_CTL_WAIT_SECONDS + 30L));
  }

  /**
   * Runs a program (as the server's OS user when we are root) with its output going to a file, so
   * that a server process inheriting the descriptors cannot keep us waiting for end-of-file.
   */
  private String run(List<String> command, Duration timeout) {
    List<String> full = new ArrayList<>();
    if (ProcessUser.isRoot()) {
      full.addAll(List.of("runuser", "-u", ProcessUser.SERVER_USER, "--"));
    }
    full.addAll(command);
    Path output = null;
    try {
      output = Files.createTempFile("trickle-pg-cmd-", ".out");
      ProcessBuilder pb =
          new ProcessBuilder(full)
              .directory(baseDir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      Map<String, String> env = pb.environment();
      // Variables such as PGDATA, PGPORT or PGOPTIONS must not leak into the server's setup.
      env.keySet().removeIf(k -> k.startsWith("PG"));
      if (binaries.source() == PostgresBinaries.Source.EMBEDDED) {
        // The zonky binaries carry RUNPATH $ORIGIN/../lib; this is a second line of defence.
        String previous = env.get("LD_LIBRARY_PATH");
        env.put(
            "LD_LIBRARY_PATH",
            binaries.libDir() + (previous == null || previous.isEmpty() ? "" : ":" + previous));
      }
      Process process = pb.start();
      boolean finished = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
      if (!finished) {
        process.destroyForcibly();
        throw failure(full, "timed out after " + timeout.toSeconds() + " s", output, null);
      }
      String text = Files.readString(output, StandardCharsets.UTF_8);
      if (process.exitValue() != 0) {
        throw failure(full, "exited with status " + process.exitValue(), output, null);
      }
      return text;
    } catch (IOException e) {
      throw failure(full, "could not run", output, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure(full, "interrupted", output, e);
    } finally {
      if (output != null) {
        try {
          Files.deleteIfExists(output);
        } catch (IOException e) {
          log.debug("cannot delete {}", output, e);
        }
      }
    }
  }

  private PostgresProcessException failure(
      List<String> command, String what, Path output, Throwable cause) {
    StringBuilder message = new StringBuilder();
    message.append(String.join(" ", command)).append(": ").append(what);
    String out = readQuietly(output);
    if (!out.isBlank()) {
      message.append("\n--- command output ---\n").append(out.strip());
    }
    String tail = tail(readQuietly(logFile), LOG_TAIL_LINES);
    if (!tail.isBlank()) {
      message.append("\n--- tail of ").append(logFile).append(" ---\n").append(tail);
    }
    return new PostgresProcessException(message.toString(), cause);
  }

  private static String readQuietly(Path file) {
    if (file == null || !Files.isRegularFile(file)) {
      return "";
    }
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      return "(unreadable: " + e + ")";
    }
  }

  private static String tail(String text, int lines) {
    List<String> all = text.lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  private static boolean hasCUtf8Locale() {
    if (Files.isDirectory(Path.of("/usr/lib/locale/C.utf8"))
        || Files.isDirectory(Path.of("/usr/lib/locale/C.UTF-8"))) {
      return true;
    }
    try {
      Process p = new ProcessBuilder("locale", "-a").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.SECONDS);
      try (Stream<String> lines = out.lines()) {
        return lines
            .map(l -> l.trim().toLowerCase(Locale.ROOT).replace("-", ""))
            .anyMatch("c.utf8"::equals);
      }
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port", e);
    }
  }

  private static String encode(String database) {
    return URLEncoder.encode(database, StandardCharsets.UTF_8).replace("+", "%20");
  }

  /**
   * Quotes an SQL identifier.
   *
   * @param name identifier
   * @return {@code name} in double quotes, inner double quotes doubled
   */
  public static String quoteIdentifier(String name) {
    return '"' + name.replace("\"", "\"\"") + '"';
  }
}
