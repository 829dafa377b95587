package dev.trickle.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * One stream table as declared in a pipeline file.
 *
 * @param schema schema name ({@code public} unless the name was qualified)
 * @param table table name
 * @param query the defining query
 * @param schedule the explicit schedule, or {@code null} when not set
 * @param refreshMode the explicit refresh mode, or {@code null} when not set
 * @param preset the preset, or {@code null} when none
 * @param workers the explicit number of refresh workers ({@link Preset#MAX_WORKERS} for max), or
 *     {@code null} when not set
 * @param mergeWorkMemMb the explicit {@code work_mem} of its refreshes in megabytes, or {@code
 *     null} when not set
 * @param file the file that declares it
 * @param line the line of its entry in that file (1-based)
 */
public record StreamTableSpec(
    String schema,
    String table,
    String query,
    Duration schedule,
    RefreshMode refreshMode,
    Preset preset,
    Integer workers,
    Integer mergeWorkMemMb,
    Path file,
    int line) {

  /** Checks the components. */
  public StreamTableSpec {
    requireText(schema, "schema");
    requireText(table, "table");
    requireText(query, "query");
    Objects.requireNonNull(file, "file");
    if (schedule != null && (schedule.isZero() || schedule.isNegative())) {
      throw new IllegalArgumentException("schedule must be positive: " + schedule);
    }
    var unused = new ResourceBudget(preset, workers, mergeWorkMemMb); // checks them
    if (line < 1) {
      throw new IllegalArgumentException("line must be positive: " + line);
    }
  }

  private static void requireText(String value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isBlank()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
  }

  /** Returns {@code schema.table}. */
  public String qualifiedName() {
    return schema + "." + table;
  }

  /** Returns the explicit schedule, if one was set. */
  public Optional<Duration> explicitSchedule() {
    return Optional.ofNullable(schedule);
  }

  /** Returns the explicit refresh mode, if one was set. */
  public Optional<RefreshMode> explicitRefreshMode() {
    return Optional.ofNullable(refreshMode);
  }

  /** Returns the preset with the explicit workers and memory. */
  public ResourceBudget budget() {
    return new ResourceBudget(preset, workers, mergeWorkMemMb);
  }

  /** Returns the preset, if one was set. */
  public Optional<Preset> presetIfAny() {
    return Optional.ofNullable(preset);
  }

  /**
   * Returns the schedule to use: the explicit one, else the preset's, else {@code
   * scheduler.default_schedule}.
   *
   * @param settings the pipeline's settings
   * @return the schedule
   */
  public Duration effectiveSchedule(Settings settings) {
    if (schedule != null) {
      return schedule;
    }
    return preset != null ? preset.schedule() : settings.scheduler().defaultSchedule();
  }

  /** Returns the refresh mode to use: the explicit one, else the preset's, else AUTO. */
  public RefreshMode effectiveRefreshMode() {
    if (refreshMode != null) {
      return refreshMode;
    }
    return preset != null ? preset.refreshMode() : RefreshMode.AUTO;
  }
}
