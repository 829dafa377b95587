package dev.trickle.cdc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where spill files go: {@code <base>/trickle-spill/<pid>}, one directory per service process.
 * Spill files are never needed after a restart (the slot sends every unabsorbed transaction again),
 * so directories of processes that no longer run are deleted when the next one starts, and a
 * process deletes its own when it closes. Instances sharing a base directory (one standing by for
 * another) leave each other's alone.
 */
public final class SpillDirectory implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SpillDirectory.class);

  private final Path dir;

  private SpillDirectory(Path dir) {
    this.dir = dir;
  }

  /**
   * Creates this process's directory after deleting those of processes that have ended.
   *
   * @param base the base directory (e.g. {@code java.io.tmpdir})
   * @return the directory
   * @throws UncheckedIOException when it cannot be created
   */
  public static SpillDirectory open(Path base) {
    Path root = base.resolve("trickle-spill");
    long pid = ProcessHandle.current().pid();
    try {
      Files.createDirectories(root);
      List<Path> stale;
      try (Stream<Path> dirs = Files.list(root)) {
        stale = dirs.filter(d -> !alive(d.getFileName().toString(), pid)).toList();
      }
      for (Path d : stale) {
        deleteTree(d);
        log.info("deleted spill files of an earlier run: {}", d);
      }
      Path mine = root.resolve(Long.toString(pid));
      deleteTree(mine);
      Files.createDirectories(mine);
      return new SpillDirectory(mine);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the spill directory under " + root, e);
    }
  }

  /** Whether a directory belongs to a running process other than this one. */
  private static boolean alive(String name, long self) {
    long pid;
    try {
      pid = Long.parseLong(name);
    } catch (NumberFormatException e) {
      return false;
    }
    return pid != self && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  /** The directory. */
  public Path path() {
    return dir;
  }

  /** A new spill file in it. */
  public SpillFile newFile() {
    return SpillFile.create(dir);
  }

  /** Deletes the directory and whatever is left in it. */
  @Override
  public void close() {
    try {
      deleteTree(dir);
    } catch (IOException e) {
      log.warn("could not delete spill directory {}: {}", dir, e.getMessage());
    }
  }

  private static void deleteTree(Path d) throws IOException {
    if (!Files.exists(d)) {
      return;
    }
    try (Stream<Path> all = Files.walk(d)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
