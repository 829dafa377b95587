package dev.trickle.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class StreamTableSpecTest {

  private static final Path FILE = Path.of("p.yaml");

  private static StreamTableSpec spec(Duration schedule, RefreshMode mode, Preset preset) {
    return new StreamTableSpec(
        "public", "t", "SELECT 1", schedule, mode, preset, null, null, FILE, 3);
  }

  @Test
  void effective_nothingSet_usesSettingAndAuto() {
    Settings settings =
        Settings.defaults().withOverrides(java.util.Map.of("pg_trickle.default_schedule", "7s"));
    StreamTableSpec s = spec(null, null, null);
    assertThat(s.effectiveSchedule(settings)).isEqualTo(Duration.ofSeconds(7));
    assertThat(s.effectiveSchedule(Settings.defaults())).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.effectiveRefreshMode()).isEqualTo(RefreshMode.AUTO);
  }

  @Test
  void effective_presetOnly_usesPreset() {
    StreamTableSpec s = spec(null, null, Preset.BATCH);
    assertThat(s.effectiveSchedule(Settings.defaults())).isEqualTo(Duration.ofMinutes(5));
    assertThat(s.effectiveRefreshMode()).isEqualTo(RefreshMode.AUTO);
    assertThat(spec(null, null, Preset.REAL_TIME).effectiveRefreshMode())
        .isEqualTo(RefreshMode.DIFFERENTIAL);
  }

  @Test
  void effective_explicitWinsOverPreset() {
    StreamTableSpec s = spec(Duration.ofSeconds(2), RefreshMode.FULL, Preset.COST_OPTIMIZED);
    assertThat(s.effectiveSchedule(Settings.defaults())).isEqualTo(Duration.ofSeconds(2));
    assertThat(s.effectiveRefreshMode()).isEqualTo(RefreshMode.FULL);
  }

  @Test
  void presets_haveDocumentedValues() {
    assertThat(Preset.REAL_TIME.workers()).isEqualTo(Preset.MAX_WORKERS);
    assertThat(Preset.REAL_TIME.memoryMb()).isEqualTo(256);
    assertThat(Preset.BATCH.memoryMb()).isEqualTo(64);
    assertThat(Preset.COST_OPTIMIZED.schedule()).isEqualTo(Duration.ofMinutes(15));
    assertThat(Preset.COST_OPTIMIZED.memoryMb()).isEqualTo(32);
    assertThat(Preset.parse("Cost-Optimized")).isEqualTo(Preset.COST_OPTIMIZED);
  }

  @Test
  void parse_unknownPreset_listsValidNames() {
    assertThatThrownBy(() -> Preset.parse("turbo"))
        .hasMessage("unknown preset \"turbo\" (use one of real-time, batch, cost-optimized)");
  }

  @Test
  void parse_refreshMode_ignoresCase() {
    assertThat(RefreshMode.parse("differential")).isEqualTo(RefreshMode.DIFFERENTIAL);
  }

  @Test
  void constructor_blankQuery_rejected() {
    assertThatThrownBy(
            () -> new StreamTableSpec("public", "t", " ", null, null, null, null, null, FILE, 1))
        .hasMessage("query must not be blank");
  }
}
