package dev.trickle.config;

import java.util.List;
import java.util.Map;

/**
 * Settings of category {@code dvm} (differential view maintenance).
 *
 * @param differentialMaxChangeRatio AUTO refreshes FULL above this fraction of changed rows
 * @param mergeWorkMemMb work_mem of the refresh transaction, in megabytes
 * @param maxParseDepth the deepest nesting of a defining query the delta engine analyses
 * @param maxDiffCtes the most common table expressions one delta statement may have
 * @param mergePlannerHints whether differential refreshes run with planner settings suited to small
 *     deltas
 * @param l1CacheMaxEntries stream tables whose generated SQL is kept in memory
 * @param templateCacheMaxEntries stream tables whose generated SQL is kept in the catalog
 */
public record DvmSettings(
    double differentialMaxChangeRatio,
    int mergeWorkMemMb,
    int maxParseDepth,
    int maxDiffCtes,
    boolean mergePlannerHints,
    int l1CacheMaxEntries,
    int templateCacheMaxEntries,
    int mergeBatchSize) {

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
          "AUTO refreshes FULL when the changed rows exceed this fraction of the source rows,"
              + " until measured refresh costs of the stream table say otherwise",
          Validator.range(0.0, 1.0));

  /** {@code pg_trickle.merge_work_mem_mb}. */
  public static final Setting<Integer> MERGE_WORK_MEM_MB =
      Setting.of(
          CATEGORY,
          "merge_work_mem_mb",
          Integer.class,
          64,
          "MB",
          "work_mem of the refresh transactions of stream tables without a preset (a preset's"
              + " memory applies otherwise)",
          Validator.range(1, 2097151));

  /** {@code pg_trickle.max_parse_depth}. */
  public static final Setting<Integer> MAX_PARSE_DEPTH =
      Setting.of(
          CATEGORY,
          "max_parse_depth",
          Integer.class,
          64,
          "levels",
          "the deepest nesting (parentheses, subqueries, joins) of a defining query the delta"
              + " engine analyses; deeper queries are refused for DIFFERENTIAL and refreshed FULL"
              + " under AUTO",
          Validator.range(1, 10000));

  /** {@code pg_trickle.max_diff_ctes}. */
  public static final Setting<Integer> MAX_DIFF_CTES =
      Setting.of(
          CATEGORY,
          "max_diff_ctes",
          Integer.class,
          1000,
          "CTEs",
          "the most common table expressions one generated delta statement may have; larger"
              + " operator trees are refused for DIFFERENTIAL and refreshed FULL under AUTO",
          Validator.range(1, 1000000));

  /** {@code pg_trickle.merge_planner_hints}. */
  public static final Setting<Boolean> MERGE_PLANNER_HINTS =
      Setting.of(
          CATEGORY,
          "merge_planner_hints",
          Boolean.class,
          true,
          "",
          "differential refreshes run with jit off and random_page_cost 1.1 (SET LOCAL), so that"
              + " small deltas probe indexes instead of scanning whole tables",
          Validator.any("true or false"));

  /** {@code pg_trickle.l1_cache_max_entries}. */
  public static final Setting<Integer> L1_CACHE_MAX_ENTRIES =
      Setting.of(
          CATEGORY,
          "l1_cache_max_entries",
          Integer.class,
          256,
          "entries",
          "stream tables whose generated refresh SQL is kept in memory (least recently used"
              + " evicted first); a miss reads the catalog cache",
          Validator.range(1, 1000000));

  /** {@code pg_trickle.template_cache_max_entries}. */
  public static final Setting<Integer> TEMPLATE_CACHE_MAX_ENTRIES =
      Setting.of(
          CATEGORY,
          "template_cache_max_entries",
          Integer.class,
          10000,
          "entries",
          "stream tables whose generated refresh SQL is kept in the catalog"
              + " (pgtrickle.pgt_delta_templates, oldest removed first); a miss generates it again",
          Validator.range(1, 10000000));

  /** {@code pg_trickle.merge_batch_size}. */
  public static final Setting<Integer> MERGE_BATCH_SIZE =
      Setting.of(
          CATEGORY,
          "merge_batch_size",
          Integer.class,
          50000,
          "rows",
          "a delta of more rows is materialized once and merged in chunks of this many rows, in"
              + " the same transaction",
          Validator.range(1, 100000000));

  /** Checks every value against its setting. */
  public DvmSettings {
    MERGE_BATCH_SIZE.requireAllowed(mergeBatchSize);
    DIFFERENTIAL_MAX_CHANGE_RATIO.requireAllowed(differentialMaxChangeRatio);
    MERGE_WORK_MEM_MB.requireAllowed(mergeWorkMemMb);
    MAX_PARSE_DEPTH.requireAllowed(maxParseDepth);
    MAX_DIFF_CTES.requireAllowed(maxDiffCtes);
    L1_CACHE_MAX_ENTRIES.requireAllowed(l1CacheMaxEntries);
    TEMPLATE_CACHE_MAX_ENTRIES.requireAllowed(templateCacheMaxEntries);
  }

  /** Returns the definitions of this category, in documentation order. */
  public static List<Setting<?>> definitions() {
    return List.of(
        DIFFERENTIAL_MAX_CHANGE_RATIO,
        MERGE_WORK_MEM_MB,
        MAX_PARSE_DEPTH,
        MAX_DIFF_CTES,
        MERGE_PLANNER_HINTS,
        L1_CACHE_MAX_ENTRIES,
        TEMPLATE_CACHE_MAX_ENTRIES,
        MERGE_BATCH_SIZE);
  }

  /** Returns the defaults. */
  public static DvmSettings defaults() {
    return from(SettingValues.empty());
  }

  static DvmSettings from(SettingValues v) {
    return new DvmSettings(
        v.get(DIFFERENTIAL_MAX_CHANGE_RATIO),
        v.get(MERGE_WORK_MEM_MB),
        v.get(MAX_PARSE_DEPTH),
        v.get(MAX_DIFF_CTES),
        v.get(MERGE_PLANNER_HINTS),
        v.get(L1_CACHE_MAX_ENTRIES),
        v.get(TEMPLATE_CACHE_MAX_ENTRIES),
        v.get(MERGE_BATCH_SIZE));
  }

  Map<Setting<?>, Object> toMap() {
    return Map.of(
        DIFFERENTIAL_MAX_CHANGE_RATIO, differentialMaxChangeRatio,
        MERGE_WORK_MEM_MB, mergeWorkMemMb,
        MAX_PARSE_DEPTH, maxParseDepth,
        MAX_DIFF_CTES, maxDiffCtes,
        MERGE_PLANNER_HINTS, mergePlannerHints,
        L1_CACHE_MAX_ENTRIES, l1CacheMaxEntries,
        TEMPLATE_CACHE_MAX_ENTRIES, templateCacheMaxEntries,
        MERGE_BATCH_SIZE, mergeBatchSize);
  }
}
