package dev.trickle.config;

import static dev.trickle.config.YamlFiles.HEAD;
import static dev.trickle.config.YamlFiles.error;
import static dev.trickle.config.YamlFiles.load;
import static dev.trickle.config.YamlFiles.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class PipelineLoaderDirectoryTest {

  @TempDir Path dir;

  @Test
  void load_directory_readsYamlFilesSortedByName() throws Exception {
    Path b = write(dir, "b.yml", "version: 1\nstream_tables:\n  - {name: b, query: SELECT 2}\n");
    Path a = write(dir, "a.yaml", HEAD + "stream_tables:\n  - {name: a, query: SELECT 1}\n");
    write(dir, "notes.txt", "not yaml");
    Files.createDirectory(dir.resolve("sub.yaml"));
    PipelineConfig config = load(dir, Map.of());
    assertThat(config.files()).containsExactly(a, b);
    assertThat(config.streamTables())
        .extracting(StreamTableSpec::qualifiedName)
        .containsExactly("public.a", "public.b");
    assertThat(config.streamTables().get(1).file()).isEqualTo(b);
  }

  @Test
  void load_duplicateAcrossFiles_namesBothPlaces() {
    Path a = write(dir, "a.yaml", HEAD + "stream_tables:\n  - {name: s.t, query: SELECT 1}\n");
    Path b =
        write(
            dir,
            "b.yaml",
            "version: 1\nstream_tables:\n  - x: 1\n  - {name: s.t, query: SELECT 2}\n");
    assertThat(error(dir).lines())
        .containsExactly(
            b
                + ":3: stream_tables[0].x: unknown key (allowed: name, query, schedule,"
                + " refresh_mode, preset, workers, merge_work_mem_mb)",
            b + ":3: stream_tables[0].name: is required",
            b + ":3: stream_tables[0].query: is required",
            b + ":4: stream_tables: duplicate stream table \"s.t\" (first defined at " + a + ":5)");
  }

  @Test
  void load_conflictingDatabases_reported() {
    write(dir, "a.yaml", HEAD);
    Path b = write(dir, "b.yaml", "version: 1\ndatabase:\n  url: postgresql://app@other/app\n");
    assertThat(error(dir))
        .isEqualTo(
            b
                + ":3: database.url: differs from the one at "
                + dir.resolve("a.yaml")
                + ":3 (all files share one database)");
  }

  @Test
  void load_conflictingSettings_reported() {
    Path a = write(dir, "a.yaml", HEAD + "settings: {scheduler: {max_workers: 2}}\n");
    Path b = write(dir, "b.yaml", "version: 1\nsettings: {scheduler: {max_workers: 3}}\n");
    assertThat(error(dir))
        .isEqualTo(b + ":2: settings.scheduler.max_workers: conflicts with 2 at " + a + ":4");
  }

  @Test
  void load_emptyDirectory_isAnError() {
    assertThat(error(dir)).isEqualTo(dir + ": directory has no *.yaml or *.yml files");
  }

  @Test
  void load_directoryWithoutDatabase_isAnError() {
    Path a = write(dir, "a.yaml", "version: 1\n");
    write(dir, "b.yaml", "version: 1\n");
    assertThat(error(dir)).isEqualTo(a + ": database.url: is required");
  }
}
