package dev.trickle.config;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Invalid configuration: carries every problem found, one per line in {@link #getMessage()}. A user
 * error; callers print the message (no stack trace) and exit with status 2.
 */
public final class ConfigException extends RuntimeException {

  private final List<ConfigProblem> problems;

  /**
   * Creates the exception.
   *
   * @param problems the problems, at least one
   * @throws IllegalArgumentException if {@code problems} is empty
   */
  public ConfigException(List<ConfigProblem> problems) {
    super(join(problems), null, false, false);
    this.problems = List.copyOf(problems);
  }

  private static String join(List<ConfigProblem> problems) {
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a ConfigException needs at least one problem");
    }
    return problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n"));
  }

  /** Returns the problems in the order they were found. */
  public List<ConfigProblem> problems() {
    return problems;
  }
}
