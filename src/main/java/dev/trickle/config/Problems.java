package dev.trickle.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
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

  /**
   * Throws a {@link ConfigException} with every problem collected, if there is any: grouped by file
   * in the order files were first named, by line within a file, whole-file problems last.
   */
  void throwIfAny() {
    if (list.isEmpty()) {
      return;
    }
    List<Path> files = new ArrayList<>();
    list.forEach(
        p -> {
          if (!files.contains(p.file())) {
            files.add(p.file());
          }
        });
    List<ConfigProblem> sorted = new ArrayList<>(list);
    sorted.sort(
        Comparator.comparingInt((ConfigProblem p) -> files.indexOf(p.file()))
            .thenComparingInt(p -> p.line() == 0 ? Integer.MAX_VALUE : p.line()));
    throw new ConfigException(sorted);
  }
}
