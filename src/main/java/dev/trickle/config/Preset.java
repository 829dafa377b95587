package dev.trickle.config;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Named bundles of stream-table parameters. Explicit parameters win over the preset's.
 *
 * <p>{@link #workers()} is the number of refresh workers the preset asks for; {@code -1} means as
 * many as {@code scheduler.max_workers} allows.
 */
public enum Preset {
  /** Fresh within about a second: 1s schedule, DIFFERENTIAL, all workers, 256 MB. */
  REAL_TIME("real-time", Duration.ofSeconds(1), RefreshMode.DIFFERENTIAL, -1, 256),
  /** Every five minutes, AUTO, one worker, 64 MB. */
  BATCH("batch", Duration.ofMinutes(5), RefreshMode.AUTO, 1, 64),
  /** Every fifteen minutes, AUTO, one worker, 32 MB. */
  COST_OPTIMIZED("cost-optimized", Duration.ofMinutes(15), RefreshMode.AUTO, 1, 32);

  /** Value of {@link #workers()} meaning "as many as allowed". */
  public static final int MAX_WORKERS = -1;

  private final String yamlName;
  private final Duration schedule;
  private final RefreshMode refreshMode;
  private final int workers;
  private final int memoryMb;

  Preset(String yamlName, Duration schedule, RefreshMode refreshMode, int workers, int memoryMb) {
    this.yamlName = yamlName;
    this.schedule = schedule;
    this.refreshMode = refreshMode;
    this.workers = workers;
    this.memoryMb = memoryMb;
  }

  /** Returns the name used in YAML and the API, e.g. {@code real-time}. */
  public String yamlName() {
    return yamlName;
  }

  /** Returns the preset's schedule. */
  public Duration schedule() {
    return schedule;
  }

  /** Returns the preset's refresh mode. */
  public RefreshMode refreshMode() {
    return refreshMode;
  }

  /** Returns the number of workers, or {@link #MAX_WORKERS}. */
  public int workers() {
    return workers;
  }

  /** Returns the memory budget in megabytes. */
  public int memoryMb() {
    return memoryMb;
  }

  /**
   * Parses a preset by its YAML name, ignoring case.
   *
   * @param text e.g. {@code real-time}
   * @return the preset
   * @throws IllegalArgumentException listing the valid names
   */
  public static Preset parse(String text) {
    String wanted = text.strip().toLowerCase(Locale.ROOT);
    for (Preset p : values()) {
      if (p.yamlName.equals(wanted)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "unknown preset \"" + text + "\" (use one of " + names() + ")");
  }

  private static String names() {
    return Arrays.stream(values()).map(Preset::yamlName).collect(Collectors.joining(", "));
  }
}
