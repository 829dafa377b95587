package dev.trickle.dvm;

/**
 * Guards on the size of what the delta engine builds.
 *
 * @param maxParseDepth the deepest nesting of a defining query the engine analyses ({@code
 *     pg_trickle.max_parse_depth})
 * @param maxDiffCtes the most common table expressions one delta statement may have ({@code
 *     pg_trickle.max_diff_ctes})
 */
public record DvmLimits(int maxParseDepth, int maxDiffCtes) {
  /** The defaults of pg_trickle: 64 levels, 1000 common table expressions. */
  public static final DvmLimits DEFAULTS = new DvmLimits(64, 1000);
}
