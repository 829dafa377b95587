package dev.trickle.model;

/** How a stream table's rows are identified, which decides how deltas are applied. */
public enum Strategy {
  /**
   * One stream-table row per source row of a single source table with a key: the row id hashes the
   * source key, and a refresh re-derives the rows of the changed keys.
   */
  KEYED,
  /**
   * A scan/filter/project over a source without a key: the row id hashes the row's content,
   * duplicates are numbered, and the delta is a Z-set of old and new row images.
   */
  MULTISET,
  /** Not differentiable here: every refresh recomputes the query. */
  FULL_ONLY
}
