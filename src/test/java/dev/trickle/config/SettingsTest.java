package dev.trickle.config;

import static dev.trickle.config.YamlFiles.HEAD;
import static dev.trickle.config.YamlFiles.error;
import static dev.trickle.config.YamlFiles.load;
import static dev.trickle.config.YamlFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class SettingsTest {

  @TempDir Path dir;

  @Test
  void catalogue_hasExactlyTheDocumentedSettings() {
    assertThat(Settings.catalogue())
        .extracting(Setting::flatName)
        .containsExactly(
            "pg_trickle.max_workers",
            "pg_trickle.min_workers",
            "pg_trickle.scale_up_after",
            "pg_trickle.scale_down_after",
            "pg_trickle.default_schedule",
            "pg_trickle.max_consecutive_errors",
            "pg_trickle.lock_timeout",
            "pg_trickle.set_replica_identity_full",
            "pg_trickle.status_interval",
            "pg_trickle.buffer_max_mb",
            "pg_trickle.reconnect_backoff_max",
            "pg_trickle.fence_timeout",
            "pg_trickle.batch_max_transactions",
            "pg_trickle.batch_max_wait",
            "pg_trickle.receive_timeout",
            "pg_trickle.spill_threshold_mb",
            "pg_trickle.spill_directory",
            "pg_trickle.differential_max_change_ratio",
            "pg_trickle.merge_work_mem_mb",
            "pg_trickle.max_parse_depth",
            "pg_trickle.max_diff_ctes",
            "pg_trickle.merge_planner_hints",
            "pg_trickle.l1_cache_max_entries",
            "pg_trickle.template_cache_max_entries",
            "pg_trickle.merge_batch_size",
            "pg_trickle.http",
            "pg_trickle.api_token",
            "pg_trickle.advisor_window",
            "pg_trickle.ready_max_lag");
    assertThat(Settings.catalogue().stream().map(Setting::key).collect(Collectors.toSet()))
        .hasSize(Settings.catalogue().size());
  }

  @Test
  void defaults_matchCatalogue() {
    Settings d = Settings.defaults();
    assertThat(d.scheduler())
        .isEqualTo(
            new SchedulerSettings(
                4,
                1,
                Duration.ofMillis(100),
                Duration.ofSeconds(30),
                Duration.ofSeconds(1),
                3,
                Duration.ofSeconds(10)));
    assertThat(d.cdc())
        .isEqualTo(
            new CdcSettings(
                true,
                Duration.ofSeconds(10),
                256,
                Duration.ofSeconds(30),
                Duration.ofSeconds(30),
                256,
                Duration.ofMillis(1),
                Duration.ofSeconds(30),
                32,
                ""));
    assertThat(d.dvm()).isEqualTo(new DvmSettings(0.15, 64, 64, 1000, true, 256, 10000, 50000));
    assertThat(d.monitoring())
        .isEqualTo(
            new MonitoringSettings(
                "127.0.0.1:8765",
                "",
                java.time.Duration.ofMinutes(5),
                java.time.Duration.ofSeconds(30)));
    for (Setting<?> s : Settings.catalogue()) {
      assertThat((Object) d.get(s)).isEqualTo(s.defaultValue());
    }
  }

  @Test
  void withOverrides_flatNames_applied() {
    Settings s =
        Settings.defaults()
            .withOverrides(
                Map.of(
                    "pg_trickle.max_workers", "8",
                    "pg_trickle.default_schedule", "250ms",
                    "pg_trickle.set_replica_identity_full", "false",
                    "pg_trickle.differential_max_change_ratio", "0.5"));
    assertThat(s.scheduler().maxWorkers()).isEqualTo(8);
    assertThat(s.scheduler().defaultSchedule()).isEqualTo(Duration.ofMillis(250));
    assertThat(s.cdc().setReplicaIdentityFull()).isFalse();
    assertThat(s.dvm().differentialMaxChangeRatio()).isEqualTo(0.5);
    assertThat(s.scheduler().maxConsecutiveErrors()).isEqualTo(3);
  }

  @Test
  void withOverrides_unknownAndInvalid_allReported() {
    assertThatThrownBy(
            () ->
                Settings.defaults()
                    .withOverrides(
                        Map.of(
                            "pg_trickle.nope",
                            "1",
                            "pg_trickle.max_workers",
                            "0",
                            "max_workers",
                            "2")))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "max_workers: unknown setting (known: "
                + Settings.catalogue().stream()
                    .map(Setting::flatName)
                    .collect(Collectors.joining(", "))
                + ")\n"
                + "pg_trickle.max_workers: 0 is out of range (allowed: 1 to 64)\n"
                + "pg_trickle.nope: unknown setting (known: "
                + Settings.catalogue().stream()
                    .map(Setting::flatName)
                    .collect(Collectors.joining(", "))
                + ")");
  }

  @Test
  void load_settingsFromYaml_parsed() {
    Path file =
        write(
            dir,
            "p.yaml",
            HEAD
                + """
                settings:
                  scheduler: {max_workers: 16, max_consecutive_errors: 5}
                  cdc: {set_replica_identity_full: false, fence_timeout: 1m}
                  dvm: {differential_max_change_ratio: 0.3, merge_work_mem_mb: 128}
                  monitoring: {http: "0.0.0.0:9000", api_token: "${TOKEN}"}
                """);
    Settings s = load(file, Map.of("TOKEN", "t0ps3cret")).settings();
    assertThat(s.scheduler())
        .isEqualTo(
            new SchedulerSettings(
                16,
                1,
                Duration.ofMillis(100),
                Duration.ofSeconds(30),
                Duration.ofSeconds(1),
                5,
                Duration.ofSeconds(10)));
    assertThat(s.cdc().fenceTimeout()).isEqualTo(Duration.ofMinutes(1));
    assertThat(s.cdc().setReplicaIdentityFull()).isFalse();
    assertThat(s.dvm()).isEqualTo(new DvmSettings(0.3, 128, 64, 1000, true, 256, 10000, 50000));
    assertThat(s.monitoring().apiToken()).isEqualTo("t0ps3cret");
    assertThat(s.toString()).doesNotContain("t0ps3cret").contains("apiToken=***");
  }

  @Test
  void load_overridesWinOverYaml() {
    Path file = write(dir, "p.yaml", HEAD + "settings:\n  scheduler:\n    max_workers: 16\n");
    PipelineConfig config =
        new PipelineLoader(Map.of(), Map.of("pg_trickle.max_workers", "2")).load(file);
    assertThat(config.settings().scheduler().maxWorkers()).isEqualTo(2);
  }

  @Test
  void load_badOverride_reportedWithFileProblems() {
    Path file = write(dir, "p.yaml", HEAD + "cdc: {slot: X}\n");
    assertThat(error(file, Map.of(), Map.of("pg_trickle.bogus", "1")).lines())
        .hasSize(2)
        .first()
        .asString()
        .startsWith(file + ":4: cdc.slot:");
  }

  @Test
  void load_badSettingValues_nameKeyAndAllowedRange() {
    Path file =
        write(
            dir,
            "p.yaml",
            HEAD
                + """
                settings:
                  scheduler:
                    max_workers: many
                    max_consecutive_errors: 1001
                  cdc:
                    set_replica_identity_full: yes
                    status_interval: soon
                  dvm:
                    differential_max_change_ratio: 1.5
                  monitoring:
                    http: localhost
                    colour: red
                  gui: {}
                """);
    assertThat(error(file).lines())
        .containsExactly(
            file
                + ":6: settings.scheduler.max_workers: \"many\" is not an integer (allowed: 1 to"
                + " 64)",
            file
                + ":7: settings.scheduler.max_consecutive_errors: 1001 is out of range (allowed: 1"
                + " to 1000)",
            file
                + ":9: settings.cdc.set_replica_identity_full: \"yes\" is not a boolean (use true"
                + " or false)",
            file
                + ":10: settings.cdc.status_interval: \"soon\" is not a duration (use e.g. 500ms,"
                + " 1s, 5m, 1h)",
            file
                + ":12: settings.dvm.differential_max_change_ratio: 1.5 is out of range (allowed: 0"
                + " to 1)",
            file
                + ":14: settings.monitoring.http: localhost is not allowed (allowed: host:port,"
                + " e.g. 127.0.0.1:8765)",
            file
                + ":15: settings.monitoring.colour: unknown key (allowed: http, api_token, advisor_window, ready_max_lag)",
            file + ":16: settings.gui: unknown key (allowed: scheduler, cdc, dvm, monitoring)");
  }

  @Test
  void load_settingAsList_wrongType() {
    Path file = write(dir, "p.yaml", HEAD + "settings:\n  scheduler:\n    max_workers: [1]\n");
    assertThat(error(file))
        .isEqualTo(
            file + ":6: settings.scheduler.max_workers: expected a single value, found a list");
  }

  @Test
  void setting_flatNameAndYamlPath() {
    assertThat(SchedulerSettings.MAX_WORKERS.flatName()).isEqualTo("pg_trickle.max_workers");
    assertThat(SchedulerSettings.MAX_WORKERS.yamlPath())
        .isEqualTo("settings.scheduler.max_workers");
    assertThat(MonitoringSettings.API_TOKEN.format("abc")).isEqualTo("***");
  }

  @Test
  void secretSetting_invalidValue_notEchoed() {
    assertThat(MonitoringSettings.API_TOKEN.parse("x")).isEqualTo("x");
    assertThat(
            new MonitoringSettings(
                    "h:1", "abc", java.time.Duration.ofMinutes(5), java.time.Duration.ZERO)
                .toString())
        .isEqualTo("MonitoringSettings[http=h:1, apiToken=***, advisorWindow=5m, readyMaxLag=0s]");
  }

  @Test
  void readyMaxLag_isADuration_andZeroOrOffSwitchesItOff() {
    Setting<java.time.Duration> s = MonitoringSettings.READY_MAX_LAG;
    assertThat(s.flatName()).isEqualTo("pg_trickle.ready_max_lag");
    assertThat(s.yamlPath()).isEqualTo("settings.monitoring.ready_max_lag");
    assertThat(s.formatDefault()).isEqualTo("30s");
    assertThat(s.parse("2s")).isEqualTo(java.time.Duration.ofSeconds(2));
    assertThat(s.parse("0")).isZero();
    assertThat(s.parse("off")).isZero();
    assertThat(Settings.defaults().withOverrides(Map.of("pg_trickle.ready_max_lag", "0s")))
        .extracting(x -> x.monitoring().readyMaxLag())
        .isEqualTo(java.time.Duration.ZERO);
    assertThatThrownBy(() -> s.parse("soon")).hasMessageContaining("is not a duration");
  }

  @Test
  void zero_isStillRefused_forDurationsThatCannotBeSwitchedOff() {
    assertThatThrownBy(() -> SchedulerSettings.SCALE_UP_AFTER.parse("0"))
        .hasMessage("\"0\" must be greater than zero");
    assertThatThrownBy(() -> MonitoringSettings.ADVISOR_WINDOW.parse("off"))
        .hasMessageContaining("is not a duration");
  }
}
