package dev.trickle.config;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Test helper: writes YAML files and loads them. */
final class YamlFiles {

  static final String HEAD =
      """
      version: 1
      database:
        url: postgresql://app@127.0.0.1:5432/app
      """;

  private YamlFiles() {}

  static Path write(Path dir, String name, String yaml) {
    try {
      return Files.writeString(dir.resolve(name), yaml);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static PipelineConfig load(Path path, Map<String, String> env) {
    return new PipelineLoader(env, Map.of()).load(path);
  }

  /** Loads and returns the message of the expected {@link ConfigException}. */
  static String error(Path path) {
    return error(path, Map.of(), Map.of());
  }

  static String error(Path path, Map<String, String> env, Map<String, String> overrides) {
    Throwable[] thrown = new Throwable[1];
    assertThatThrownBy(() -> new PipelineLoader(env, overrides).load(path))
        .isInstanceOf(ConfigException.class)
        .satisfies(t -> thrown[0] = t);
    return thrown[0].getMessage();
  }
}
