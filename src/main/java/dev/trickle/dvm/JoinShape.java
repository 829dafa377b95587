package dev.trickle.dvm;

import java.util.List;

/**
 * Inner and cross joins of a few tables with a select list and a WHERE, taken apart for delta SQL
 * generation.
 *
 * @param sources the joined tables in FROM order (a table joined to itself appears twice)
 * @param on the ON condition of each join after the first table (null for a cross or comma join)
 * @param items the select-list expressions as SQL, in output order
 * @param where the WHERE condition as SQL, or null
 */
public record JoinShape(List<Source> sources, List<String> on, List<String> items, String where) {
  /** Copies the lists (the ON list may hold nulls). */
  public JoinShape {
    sources = List.copyOf(sources);
    on = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(on));
    items = List.copyOf(items);
  }

  /**
   * One joined table.
   *
   * @param table the source table as the server knows it
   * @param alias the name the query uses for it
   * @param aliased whether the query gave it an alias
   */
  public record Source(SourceTable table, String alias, boolean aliased) {}
}
