package dev.trickle.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Keeps docs/CONFIGURATION.md in step with the settings catalogue. */
final class ConfigurationDocTest {

  private static final Path DOC = Path.of("docs", "CONFIGURATION.md");

  @Test
  void doc_listsEverySettingWithFlatNameAndDefault() throws IOException {
    List<String> rows =
        Files.readAllLines(DOC).stream()
            .filter(line -> line.startsWith("|"))
            .collect(Collectors.toUnmodifiableList());
    for (Setting<?> setting : Settings.catalogue()) {
      String flat = "`" + setting.flatName() + "`";
      assertThat(rows)
          .as("a table row of %s with %s and default %s", DOC, flat, setting.formatDefault())
          .anyMatch(
              row -> cells(row).contains(flat) && cells(row).contains(setting.formatDefault()))
          .anyMatch(row -> cells(row).contains("`" + setting.yamlPath() + "`"));
    }
  }

  @Test
  void doc_listsEveryPreset() throws IOException {
    String doc = Files.readString(DOC);
    for (Preset preset : Preset.values()) {
      assertThat(doc)
          .contains("| `" + preset.yamlName() + "` | " + Durations.format(preset.schedule()));
    }
  }

  private static List<String> cells(String row) {
    return Arrays.stream(row.split("\\|", -1))
        .map(String::strip)
        .collect(Collectors.toUnmodifiableList());
  }
}
