package dev.trickle.config;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One configuration problem, printed as {@code FILE:LINE: KEY: MESSAGE}.
 *
 * @param file the file the problem is in, or {@code null} when it does not come from a file (for
 *     example a {@code --set} override); then the prefix is omitted
 * @param line the 1-based line, or 0 when unknown (then {@code :LINE} is omitted)
 * @param key the key path such as {@code stream_tables[0].schedule}, or empty when the problem is
 *     about the whole file
 * @param message what is wrong and what is allowed
 */
public record ConfigProblem(Path file, int line, String key, String message) {

  /** Checks the components. */
  public ConfigProblem {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(message, "message");
    if (line < 0) {
      throw new IllegalArgumentException("line must not be negative: " + line);
    }
  }

  /** Returns {@code FILE:LINE: KEY: MESSAGE}, leaving out the parts that are unknown. */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder();
    if (file != null) {
      out.append(file);
      if (line > 0) {
        out.append(':').append(line);
      }
      out.append(": ");
    }
    if (!key.isEmpty()) {
      out.append(key).append(": ");
    }
    return out.append(message).toString();
  }
}
