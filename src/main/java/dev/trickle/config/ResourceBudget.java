package dev.trickle.config;

import java.util.Locale;

/**
 * What a stream table may use: its preset, and the workers and MERGE memory set for it explicitly.
 * An explicit value wins over the preset's, which wins over the service-wide default.
 *
 * @param preset the preset, or {@code null}
 * @param workers refresh workers the stream table may use, {@link Preset#MAX_WORKERS} for as many
 *     as {@code scheduler.max_workers} allows, or {@code null} when not set explicitly
 * @param mergeWorkMemMb {@code work_mem} of its refresh transactions in megabytes, or {@code null}
 *     when not set explicitly
 */
public record ResourceBudget(Preset preset, Integer workers, Integer mergeWorkMemMb) {
  /** No preset and nothing explicit: the service-wide defaults. */
  public static final ResourceBudget DEFAULTS = new ResourceBudget(null, null, null);

  /** Checks the explicit values. */
  public ResourceBudget {
    if (workers != null && workers != Preset.MAX_WORKERS && workers < 1) {
      throw new IllegalArgumentException("workers must be at least 1 or max, not " + workers);
    }
    if (mergeWorkMemMb != null && mergeWorkMemMb < 1) {
      throw new IllegalArgumentException(
          "merge_work_mem_mb must be at least 1, not " + mergeWorkMemMb);
    }
  }

  /** The preset's name, or {@code null}. */
  public String presetName() {
    return preset == null ? null : preset.yamlName();
  }

  /**
   * The refresh workers the stream table may use: the explicit number, else the preset's, else all;
   * never more than {@code maxWorkers}.
   *
   * @param maxWorkers {@code scheduler.max_workers}
   * @return between 1 and {@code maxWorkers}
   */
  public int effectiveWorkers(int maxWorkers) {
    Integer w = workers != null ? workers : preset != null ? preset.workers() : null;
    return w == null || w == Preset.MAX_WORKERS ? maxWorkers : Math.min(w, maxWorkers);
  }

  /**
   * The {@code work_mem} of the stream table's refreshes: the explicit value, else the preset's
   * memory, else {@code defaultMb}.
   *
   * @param defaultMb {@code dvm.merge_work_mem_mb}
   * @return megabytes
   */
  public int effectiveMergeWorkMemMb(int defaultMb) {
    if (mergeWorkMemMb != null) {
      return mergeWorkMemMb;
    }
    return preset != null ? preset.memoryMb() : defaultMb;
  }

  /**
   * Parses a number of workers: a positive integer, or {@code max}.
   *
   * @param text e.g. {@code 2} or {@code max}
   * @return the number, or {@link Preset#MAX_WORKERS}
   * @throws IllegalArgumentException saying what is allowed
   */
  public static int parseWorkers(String text) {
    String t = text.strip().toLowerCase(Locale.ROOT);
    if (t.equals("max")) {
      return Preset.MAX_WORKERS;
    }
    return positive(
        t, "\"" + text + "\" is not a number of workers (use a whole number from 1, or max)");
  }

  /**
   * Parses a memory budget in megabytes: a positive integer, optionally followed by {@code MB}.
   *
   * @param text e.g. {@code 64} or {@code 64MB}
   * @return megabytes
   * @throws IllegalArgumentException saying what is allowed
   */
  public static int parseMegabytes(String text) {
    String t = text.strip().toUpperCase(Locale.ROOT);
    if (t.endsWith("MB")) {
      t = t.substring(0, t.length() - 2).strip();
    }
    return positive(
        t, "\"" + text + "\" is not a memory size (use whole megabytes from 1, e.g. 64 or 64MB)");
  }

  private static int positive(String digits, String problem) {
    try {
      int n = Integer.parseInt(digits);
      if (n >= 1) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(problem);
  }

  /** How workers print: a number, or {@code max}. */
  public static String formatWorkers(int workers) {
    return workers == Preset.MAX_WORKERS ? "max" : Integer.toString(workers);
  }
}
