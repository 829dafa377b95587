package dev.trickle.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Loads a pipeline from one YAML file, or from every {@code *.yaml} and {@code *.yml} file of a
 * directory (sorted by name), and validates it completely.
 *
 * <p>Scalar values may refer to the environment as {@code ${VAR}} or {@code ${VAR:-default}};
 * <code>$${</code> is a literal <code>${</code>. Overrides given by flat name ({@code
 * pg_trickle.max_workers=8}) are applied after the files.
 */
public final class PipelineLoader {

  private final EnvExpander env;
  private final Map<String, String> overrides;

  /** Creates a loader that expands from {@link System#getenv()} and applies no overrides. */
  public PipelineLoader() {
    this(System.getenv(), Map.of());
  }

  /**
   * Creates a loader.
   *
   * @param environment variables for {@code ${VAR}} expansion
   * @param overrides setting values by flat name, e.g. {@code pg_trickle.max_workers -> 8}
   */
  public PipelineLoader(Map<String, String> environment, Map<String, String> overrides) {
    this.env = new EnvExpander(environment);
    this.overrides = Map.copyOf(overrides);
  }

  /**
   * Loads and validates a pipeline.
   *
   * @param path a YAML file, or a directory of them
   * @return the pipeline
   * @throws ConfigException listing every problem found, each with file, line and key
   */
  public PipelineConfig load(Path path) {
    Problems problems = new Problems();
    List<Path> files = files(path, problems);
    problems.throwIfAny();
    PipelineMerger merger = new PipelineMerger(problems);
    for (Path file : files) {
      NodeReader reader = new NodeReader(file, problems, env);
      merger.add(
          YamlSource.read(file, problems)
              .map(root -> FileParser.parse(root, reader))
              .orElseGet(() -> FileParser.unreadable(file)));
    }
    PipelineMerger.Merged merged = merger.finish(files.get(0));
    Settings settings = merged.settings();
    try {
      settings = settings.withOverrides(overrides);
    } catch (ConfigException e) {
      problems.addAll(e.problems());
    }
    problems.throwIfAny();
    return new PipelineConfig(files, merged.database(), merged.cdc(), settings, merged.tables());
  }

  /**
   * Returns the files a path stands for: the file itself, or the YAML files of a directory.
   *
   * @param path a file or directory
   * @param problems where to report a missing path or an empty directory
   */
  private static List<Path> files(Path path, Problems problems) {
    if (!Files.isDirectory(path)) {
      if (!Files.exists(path)) {
        problems.add(path, 0, "", "no such file or directory");
      }
      return List.of(path);
    }
    try (Stream<Path> entries = Files.list(path)) {
      List<Path> files =
          entries
              .filter(Files::isRegularFile)
              .filter(PipelineLoader::isYaml)
              .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
              .collect(Collectors.toUnmodifiableList());
      if (files.isEmpty()) {
        problems.add(path, 0, "", "directory has no *.yaml or *.yml files");
      }
      return files;
    } catch (IOException e) {
      problems.add(path, 0, "", "cannot list the directory (" + e.getClass().getSimpleName() + ")");
      return List.of();
    }
  }

  private static boolean isYaml(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".yaml") || name.endsWith(".yml");
  }
}
