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
  /**
   * GROUP BY (or a global aggregate) over one table with COUNT, SUM and AVG of integers or
   * numerics: one row per group identified by the group key, hidden per-group counts and sums
   * updated algebraically from a Z-set of old and new row images; a group disappears when its count
   * reaches zero.
   */
  AGGREGATE,
  /**
   * Inner (and cross) joins of up to four tables with filter and projection: row identity from
   * content as in MULTISET; the delta is the inclusion-exclusion sum over the sources' Z-sets, each
   * term joining some deltas with the other tables in the refresh snapshot.
   */
  JOIN,
  /**
   * Any other differentiable query, through its operator tree (outer joins, aggregates of any kind
   * with FILTER and HAVING, DISTINCT, set operations, subqueries in FROM): row identity from
   * content as in MULTISET; the delta is one statement of common table expressions, one per
   * operator, linear operators mapping deltas directly and the others recomputing only the keys the
   * deltas touch.
   */
  OPTREE,
  /** Not differentiable here: every refresh recomputes the query. */
  FULL_ONLY
}
