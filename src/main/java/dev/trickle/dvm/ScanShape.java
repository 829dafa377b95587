package dev.trickle.dvm;

import dev.trickle.model.TableRef;
import java.util.List;

/**
 * A scan/filter/project query over one table, taken apart for delta SQL generation.
 *
 * @param source the table read
 * @param alias the name the query uses for the table (its alias, else its bare name)
 * @param items the select-list expressions as SQL, stars expanded, in output order
 * @param where the WHERE condition as SQL, or null
 * @param aliased whether the query gave the table an alias (if not, generated SQL reading the
 *     source leaves it unaliased too, so that qualified references such as {@code public.orders.id}
 *     keep working)
 */
public record ScanShape(
    TableRef source, String alias, List<String> items, String where, boolean aliased) {
  /** Copies the list. */
  public ScanShape {
    items = List.copyOf(items);
  }

  /** A shape whose table has an alias. */
  public ScanShape(TableRef source, String alias, List<String> items, String where) {
    this(source, alias, items, where, true);
  }
}
