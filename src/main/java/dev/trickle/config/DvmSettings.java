package dev.trickle.config;

import java.util.List;
import java.util.Map;

/**
 * Settings of category {@code dvm} (differential view maintenance).
 *
 * @param differentialMaxChangeRatio AUTO refreshes FULL above this fraction of changed rows
 * @param mergeWorkMemMb work_mem of the refresh transaction, in megabytes
 */
public record DvmSettings(double differentialMaxChangeRatio, int mergeWorkMemMb) {

  /** The category name. */
  public static final String CATEGORY = "dvm";

  /** {@code pg_trickle.differential_max_change_ratio}. */
  public static final Setting<Double> DIFFERENTIAL_MAX_CHANGE_RATIO =
      Setting.of(
          CATEGORY,
          "differential_max_change_ratio",
          Double.class,
          0.15,
          "fraction",
          "AUTO refreshes FULL when the changed rows exceed this fraction of the source rows",
          Validator.range(0.0, 1.0));

  /** {@code pg_trickle.merge_work_mem_mb}. */
  public static final Setting<Integer> MERGE_WORK_MEM_MB =
      Setting.of(
          CATEGORY,
          "merge_work_mem_mb",
          Integer.class,
          64,
          "MB",
          "work_mem set for the refresh transaction",
          Validator.range(1, 2097151));

  /** Checks every value against its setting. */
  public DvmSettings {
    DIFFERENTIAL_MAX_CHANGE_RATIO.requireAllowed(differentialMaxChangeRatio);
    MERGE_WORK_MEM_MB.requireAllowed(mergeWorkMemMb);
  }

  /** Returns the definitions of this category, in documentation order. */
  public static List<Setting<?>> definitions() {
    return List.of(DIFFERENTIAL_MAX_CHANGE_RATIO, MERGE_WORK_MEM_MB);
  }

  /** Returns the defaults. */
  public static DvmSettings defaults() {
    return from(SettingValues.empty());
  }

  static DvmSettings from(SettingValues v) {
    return new DvmSettings(v.get(DIFFERENTIAL_MAX_CHANGE_RATIO), v.get(MERGE_WORK_MEM_MB));
  }

  Map<Setting<?>, Object> toMap() {
    return Map.of(
        DIFFERENTIAL_MAX_CHANGE_RATIO, differentialMaxChangeRatio,
        MERGE_WORK_MEM_MB, mergeWorkMemMb);
  }
}
