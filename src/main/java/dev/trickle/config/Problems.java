package dev.trickle.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Collects problems so that validation can report all of them at once. */
final class Problems {

  private final List<ConfigProblem> list = new ArrayList<>();

  void add(Path file, int line, String key, String message) {
    list.add(new ConfigProblem(file, line, key, message));
  }

  void addAll(List<ConfigProblem> problems) {
    list.addAll(problems);
  }

  int size() {
    return list.size();
  }

  boolean isEmpty() {
    return list.isEmpty();
  }

  /** Throws a {@link ConfigException} with every problem collected, if there is any. */
  void throwIfAny() {
    if (!list.isEmpty()) {
      throw new ConfigException(list);
    }
  }
}
