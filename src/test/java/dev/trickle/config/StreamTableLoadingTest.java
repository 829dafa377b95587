package dev.trickle.config;

import static dev.trickle.config.YamlFiles.HEAD;
import static dev.trickle.config.YamlFiles.error;
import static dev.trickle.config.YamlFiles.load;
import static dev.trickle.config.YamlFiles.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class StreamTableLoadingTest {

  @TempDir Path dir;

  @Test
  void load_badSchedule_saysWhatIsAllowed() {
    Path file =
        write(
            dir,
            "p.yaml",
            HEAD + "stream_tables:\n  - name: t\n    query: SELECT 1\n    schedule: 5 minutes\n");
    assertThat(error(file))
        .isEqualTo(
            file
                + ":7: stream_tables[0].schedule: \"5 minutes\" is not a duration (use e.g. 500ms,"
                + " 1s, 5m, 1h)");
  }

  @Test
  void load_badRefreshModeAndPreset_listValidValues() {
    Path file =
        write(
            dir,
            "p.yaml",
            HEAD
                + "stream_tables:\n  - name: t\n    query: SELECT 1\n"
                + "    refresh_mode: sometimes\n    preset: fast\n");
    assertThat(error(file))
        .isEqualTo(
            file
                + ":7: stream_tables[0].refresh_mode: \"sometimes\" is not a refresh mode (use"
                + " FULL, DIFFERENTIAL or AUTO)\n"
                + file
                + ":8: stream_tables[0].preset: unknown preset \"fast\" (use one of real-time,"
                + " batch, cost-optimized)");
  }

  @Test
  void load_streamTableWithoutNameAndQuery_reportsBoth() {
    Path file = write(dir, "p.yaml", HEAD + "stream_tables:\n  - schedule: 1s\n");
    assertThat(error(file))
        .isEqualTo(
            file
                + ":5: stream_tables[0].name: is required\n"
                + file
                + ":5: stream_tables[0].query: is required");
  }

  @Test
  void load_emptyQuery_mustNotBeEmpty() {
    Path file = write(dir, "p.yaml", HEAD + "stream_tables:\n  - name: t\n    query: \"  \"\n");
    assertThat(error(file)).isEqualTo(file + ":6: stream_tables[0].query: must not be empty");
  }

  @Test
  void load_badNames_areRejected() {
    Path file =
        write(
            dir,
            "p.yaml",
            HEAD
                + "stream_tables:\n"
                + "  - {name: a.b.c, query: SELECT 1}\n"
                + "  - {name: public., query: SELECT 1}\n"
                + "  - {name: .t, query: SELECT 1}\n");
    assertThat(error(file))
        .isEqualTo(
            file
                + ":5: stream_tables[0].name: \"a.b.c\" is not a valid stream table name (use"
                + " table or schema.table)\n"
                + file
                + ":6: stream_tables[1].name: \"public.\" is not a valid stream table name (use"
                + " table or schema.table)\n"
                + file
                + ":7: stream_tables[2].name: \".t\" is not a valid stream table name (use"
                + " table or schema.table)");
  }

  @Test
  void load_unqualifiedName_defaultsToPublic() {
    Path file =
        write(
            dir,
            "p.yaml",
            HEAD
                + "stream_tables:\n  - {name: t, query: SELECT 1}\n"
                + "  - {name: s.u, query: SELECT 2}\n");
    PipelineConfig config = load(file, Map.of());
    assertThat(config.streamTables())
        .extracting(StreamTableSpec::qualifiedName)
        .containsExactly("public.t", "s.u");
  }

  @Test
  void load_duplicateNames_nameBothLines() {
    Path file =
        write(
            dir,
            "p.yaml",
            HEAD
                + "stream_tables:\n"
                + "  - {name: t, query: SELECT 1}\n"
                + "  - {name: public.t, query: SELECT 2}\n");
    assertThat(error(file))
        .isEqualTo(
            file
                + ":6: stream_tables: duplicate stream table \"public.t\" (first defined at "
                + file
                + ":5)");
  }
}
