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
  void load_badWorkersAndMemory_sayWhatIsAllowed() {
    Path file =
        write(
            dir,
            "p.yaml",
            HEAD
                + "stream_tables:\n  - name: t\n    query: SELECT 1\n"
                + "    workers: 0\n    merge_work_mem_mb: lots\n");
    assertThat(error(file))
        .isEqualTo(
            file
                + ":7: stream_tables[0].workers: \"0\" is not a number of workers (use a whole"
                + " number from 1, or max)\n"
                + file
                + ":8: stream_tables[0].merge_work_mem_mb: \"lots\" is not a memory size (use"
                + " whole megabytes from 1, e.g. 64 or 64MB)");
  }

  @Test
  void load_workersAndMemory_winOverThePreset() throws Exception {
    Path file =
        write(
            dir,
            "p.yaml",
            HEAD
                + "stream_tables:\n  - name: t\n    query: SELECT 1\n    preset: batch\n"
                + "    workers: max\n    merge_work_mem_mb: 16MB\n"
                + "  - name: u\n    query: SELECT 1\n    preset: real-time\n");
    var specs = load(file, Map.of()).streamTables();
    ResourceBudget t = specs.get(0).budget();
    assertThat(t.effectiveWorkers(6)).isEqualTo(6);
    assertThat(t.effectiveMergeWorkMemMb(128)).isEqualTo(16);
    ResourceBudget u = specs.get(1).budget();
    assertThat(u.workers()).isNull();
    assertThat(u.effectiveWorkers(6)).isEqualTo(6);
    assertThat(u.effectiveMergeWorkMemMb(128)).isEqualTo(256);
    assertThat(ResourceBudget.DEFAULTS.effectiveWorkers(6)).isEqualTo(6);
    assertThat(ResourceBudget.DEFAULTS.effectiveMergeWorkMemMb(128)).isEqualTo(128);
    assertThat(new ResourceBudget(Preset.BATCH, 3, null).effectiveWorkers(2))
        .as("never more than max_workers")
        .isEqualTo(2);
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
