package dev.trickle.pg;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the OS user this JVM runs as. */
final class ProcessUser {
  /** The OS user that runs PostgreSQL when the JVM is root (PostgreSQL refuses to run as root). */
  static final String SERVER_USER = "postgres";

  private static final boolean ROOT = detectRoot();

  private ProcessUser() {}

  /** Whether the JVM's effective user is root. */
  static boolean isRoot() {
    return ROOT;
  }

  /** The JVM's user name as the file system reports owners. */
  static String name() {
    try {
      return Files.getOwner(Path.of("/proc/self")).getName();
    } catch (IOException | UnsupportedOperationException e) {
      return System.getProperty("user.name", "");
    }
  }

  private static boolean detectRoot() {
    try {
      // /proc/self belongs to the process's effective user.
      Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      return uid instanceof Integer i && i == 0;
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }
}
