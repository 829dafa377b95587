package dev.trickle.config;

import static dev.trickle.config.YamlFiles.HEAD;
import static dev.trickle.config.YamlFiles.error;
import static dev.trickle.config.YamlFiles.load;
import static dev.trickle.config.YamlFiles.write;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class PipelineLoaderTest {

  static final String CONTRACT_EXAMPLE =
      """
      version: 1
      database:
        url: postgresql://app@127.0.0.1:5432/app   # ${VAR} and ${VAR:-default} expand
      cdc:
        source: pgoutput            # pgoutput (default) | debezium
        slot: trickle_app           # created if missing
        publication: trickle_app    # created, and extended with new source tables, if needed
      settings:                     # each setting also has a flat name pg_trickle.<key>
        scheduler: {}               # e.g. max_workers, max_consecutive_errors
        cdc: {}
        dvm: {}
        monitoring: {}
      stream_tables:
        - name: public.sales_by_region
          query: |
            SELECT c.region, count(*) AS orders, sum(o.amount) AS revenue
            FROM orders o JOIN customers c ON c.id = o.customer_id
            GROUP BY c.region
          schedule: 1s              # duration; default comes from the preset, else 1s
          refresh_mode: AUTO        # FULL | DIFFERENTIAL | AUTO (default AUTO)
          preset: real-time         # real-time | batch | cost-optimized (optional)
      """;

  @TempDir Path dir;

  @Test
  void load_contractExample_parses() {
    Path file = write(dir, "p.yaml", CONTRACT_EXAMPLE);
    PipelineConfig config = load(file, Map.of());
    assertThat(config.files()).containsExactly(file);
    assertThat(config.database().toJdbcUrl()).isEqualTo("jdbc:postgresql://127.0.0.1:5432/app");
    assertThat(config.database().user()).isEqualTo("app");
    assertThat(config.cdc()).isEqualTo(new CdcConfig("pgoutput", "trickle_app", "trickle_app"));
    assertThat(config.settings()).isEqualTo(Settings.defaults());
    assertThat(config.streamTables()).hasSize(1);
    StreamTableSpec st = config.streamTables().get(0);
    assertThat(st.qualifiedName()).isEqualTo("public.sales_by_region");
    assertThat(st.query()).startsWith("SELECT c.region").endsWith("GROUP BY c.region\n");
    assertThat(st.schedule()).isEqualTo(Duration.ofSeconds(1));
    assertThat(st.refreshMode()).isEqualTo(RefreshMode.AUTO);
    assertThat(st.preset()).isEqualTo(Preset.REAL_TIME);
    assertThat(st.file()).isEqualTo(file);
    assertThat(st.line()).isEqualTo(14);
  }

  @Test
  void load_minimal_appliesDefaults() {
    Path file = write(dir, "p.yaml", HEAD);
    PipelineConfig config = load(file, Map.of());
    assertThat(config.cdc()).isEqualTo(CdcConfig.defaults());
    assertThat(config.cdc().slot()).isEqualTo("trickle");
    assertThat(config.streamTables()).isEmpty();
    assertThat(config.settings()).isEqualTo(Settings.defaults());
  }

  @Test
  void load_unknownKey_namesFileLineAndKey() {
    Path file = write(dir, "p.yaml", HEAD + "cdc:\n  sloth: x\n");
    assertThat(error(file))
        .isEqualTo(
            file + ":5: cdc.sloth: unknown key (allowed: source, slot, publication, debezium)");
  }

  @Test
  void load_debeziumProperties_passThrough() {
    Path file =
        write(
            dir,
            "p.yaml",
            HEAD
                + "cdc:\n  source: debezium\n  debezium:\n    max.batch.size: 8192\n"
                + "    heartbeat.interval.ms: ${HB:-250}\n");
    CdcConfig cdc = load(file, Map.of()).cdc();
    assertThat(cdc.isDebezium()).isTrue();
    assertThat(cdc.debezium())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("max.batch.size", "8192", "heartbeat.interval.ms", "250"));
  }

  @Test
  void load_debeziumPropertyTrickleSets_namesFileLineAndKey() {
    Path file =
        write(
            dir,
            "p.yaml",
            HEAD + "cdc:\n  source: debezium\n  debezium:\n    snapshot.mode: initial\n");
    assertThat(error(file))
        .startsWith(file + ":7: cdc.debezium.snapshot.mode: snapshot.mode is set by Trickle");
  }

  @Test
  void load_unknownTopLevelKey_listsAllowedKeys() {
    Path file = write(dir, "p.yaml", HEAD + "stream_table: []\n");
    assertThat(error(file))
        .isEqualTo(
            file
                + ":4: stream_table: unknown key (allowed: version, database, cdc, settings,"
                + " stream_tables)");
  }

  @Test
  void load_missingVersion_isRequired() {
    Path file = write(dir, "p.yaml", "database:\n  url: postgresql://a@h/db\n");
    assertThat(error(file)).isEqualTo(file + ":1: version: is required (use version: 1)");
  }

  @Test
  void load_wrongVersion_saysOnlyOne() {
    Path file = write(dir, "p.yaml", HEAD.replace("version: 1", "version: 2"));
    assertThat(error(file))
        .isEqualTo(file + ":1: version: unsupported version \"2\" (only 1 is supported)");
  }

  @Test
  void load_missingDatabaseUrl_isRequired() {
    Path file = write(dir, "p.yaml", "version: 1\n");
    assertThat(error(file)).isEqualTo(file + ": database.url: is required");
  }

  @Test
  void load_badDatabaseUrl_explainsWithoutPassword() {
    Path file = write(dir, "p.yaml", "version: 1\ndatabase:\n  url: mysql://u:s3cret@h/db\n");
    assertThat(error(file))
        .isEqualTo(
            file
                + ":3: database.url: not a PostgreSQL URL: it must start with postgresql://,"
                + " postgres:// or jdbc:postgresql:// ("
                + DatabaseUrl.FORMS
                + ")")
        .doesNotContain("s3cret");
  }

  @Test
  void load_listWhereMappingExpected_namesType() {
    Path file = write(dir, "p.yaml", HEAD + "cdc:\n  - slot\n");
    assertThat(error(file)).isEqualTo(file + ":5: cdc: expected a mapping, found a list");
  }

  @Test
  void load_mappingWhereListExpected_namesType() {
    Path file = write(dir, "p.yaml", HEAD + "stream_tables:\n  name: x\n");
    assertThat(error(file)).isEqualTo(file + ":5: stream_tables: expected a list, found a mapping");
  }

  @Test
  void load_badCdcSourceSlotAndPublication_reportsAll() {
    Path file =
        write(
            dir,
            "p.yaml",
            HEAD + "cdc:\n  source: wal2json\n  slot: Bad-Slot\n  publication: 1pub\n");
    assertThat(error(file))
        .isEqualTo(
            file
                + ":5: cdc.source: \"wal2json\" is not a CDC source (use pgoutput or debezium)\n"
                + file
                + ":6: cdc.slot: \"Bad-Slot\" is not a valid slot name (use 1 to 63 lowercase"
                + " letters, digits and underscores)\n"
                + file
                + ":7: cdc.publication: \"1pub\" is not a valid publication name (use 1 to 63"
                + " lowercase letters, digits and underscores, not starting with a digit)");
  }

  @Test
  void load_slotLongerThan63_isRejected() {
    Path file = write(dir, "p.yaml", HEAD + "cdc:\n  slot: " + "a".repeat(64) + "\n");
    assertThat(error(file)).startsWith(file + ":5: cdc.slot: \"aaaa").contains("1 to 63");
  }

  @Test
  void load_duplicateKey_namesFirstLine() {
    Path file = write(dir, "p.yaml", HEAD + "cdc:\n  slot: a\n  slot: b\n");
    assertThat(error(file)).isEqualTo(file + ":6: cdc.slot: duplicate key (first at line 5)");
  }

  @Test
  void load_malformedYaml_namesFileAndLine() {
    Path file = write(dir, "p.yaml", HEAD + "cdc:\n  slot: [unclosed\n");
    String message = error(file);
    assertThat(message).startsWith(file + ":").contains("invalid YAML: ").doesNotContain("\tat ");
    assertThat(message.lines()).hasSize(1);
  }

  @Test
  void load_malformedIndentation_namesLine() {
    Path file = write(dir, "p.yaml", "version: 1\n  database: x\n");
    assertThat(error(file))
        .isEqualTo(file + ":2: invalid YAML: mapping values are not allowed here");
  }

  @Test
  void load_emptyFile_isAnError() {
    Path file = write(dir, "p.yaml", "");
    assertThat(error(file))
        .isEqualTo(file + ": file is empty (expected a mapping starting with version: 1)");
  }

  @Test
  void load_topLevelList_isAnError() {
    Path file = write(dir, "p.yaml", "- a\n");
    assertThat(error(file))
        .isEqualTo(file + ":1: expected a mapping with version, database and stream_tables");
  }

  @Test
  void load_fileOver1MiB_isRejected() {
    Path file = write(dir, "p.yaml", HEAD + "#" + "x".repeat(1024 * 1024) + "\n");
    assertThat(error(file)).startsWith(file + ": file is larger than 1 MiB (");
  }

  @Test
  void load_missingFile_saysSo() {
    Path file = dir.resolve("nope.yaml");
    assertThat(error(file)).isEqualTo(file + ": no such file or directory");
  }

  @Test
  void load_arbitraryJavaTag_isRejected() {
    Path file = write(dir, "p.yaml", HEAD + "cdc: !!java.io.File {slot: x}\n");
    assertThat(error(file))
        .isEqualTo(
            file + ":4: invalid YAML: Global tag is not allowed: tag:yaml.org,2002:java.io.File");
  }

  @Test
  void load_severalProblems_allReported() {
    Path file =
        write(
            dir,
            "p.yaml",
            """
            version: 3
            colour: blue
            settings:
              scheduler:
                max_workers: 100
            stream_tables:
              - {name: t, query: SELECT 1, schedule: 0s}
            """);
    assertThat(error(file).lines())
        .containsExactly(
            file + ":1: version: unsupported version \"3\" (only 1 is supported)",
            file
                + ":2: colour: unknown key (allowed: version, database, cdc, settings,"
                + " stream_tables)",
            file + ":5: settings.scheduler.max_workers: 100 is out of range (allowed: 1 to 64)",
            file + ":7: stream_tables[0].schedule: \"0s\" must be greater than zero",
            file + ": database.url: is required");
  }

  @Test
  void load_passwordNeverPrinted() {
    Path file =
        write(dir, "p.yaml", "version: 1\ndatabase:\n  url: postgresql://app:s3cret@db:5433/app\n");
    PipelineConfig config = load(file, Map.of());
    assertThat(config.database().password()).isEqualTo("s3cret");
    assertThat(config.toString()).doesNotContain("s3cret");
    assertThat(config.database().toString()).doesNotContain("s3cret");
    assertThat(config.database().toJdbcUrl()).doesNotContain("s3cret");
  }
}
