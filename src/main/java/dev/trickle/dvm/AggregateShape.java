package dev.trickle.dvm;

import dev.trickle.model.TableRef;
import java.util.List;

/**
 * A GROUP BY (or global) aggregate over one table whose aggregates are all algebraic, taken apart
 * for delta SQL generation.
 *
 * @param source the table read
 * @param alias the name the query uses for the table
 * @param aliased whether the query gave the table an alias
 * @param groupBy the group-by expressions as SQL (empty for a global aggregate)
 * @param outputs what each output column is, in output order
 * @param where the WHERE condition as SQL, or null
 * @param sources every table of the FROM clause, in order (one unless the aggregate reads a join)
 * @param on the ON condition of each join after the first table (null for a cross join)
 */
public record AggregateShape(
    TableRef source,
    String alias,
    boolean aliased,
    List<String> groupBy,
    List<Output> outputs,
    String where,
    List<JoinShape.Source> sources,
    List<String> on) {
  /** Copies the lists (the ON list may hold nulls). */
  public AggregateShape {
    groupBy = List.copyOf(groupBy);
    outputs = List.copyOf(outputs);
    sources = List.copyOf(sources);
    on = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(on));
  }

  /** Whether the aggregate reads a join of several tables. */
  public boolean isJoin() {
    return sources.size() > 1;
  }

  /** The kind of an output column. */
  public enum Kind {
    /** One of the group-by expressions ({@code index} says which). */
    GROUP,
    /** {@code count(*)}. */
    COUNT_STAR,
    /** {@code count(expr)}: rows where expr is not null. */
    COUNT,
    /** {@code sum(expr)} of integers or numerics: NULL when no non-null input. */
    SUM,
    /** {@code avg(expr)} of integers or numerics: NULL when no non-null input. */
    AVG,
    /**
     * {@code min(expr)}: kept from inserted values; the group is rescanned when its minimum goes.
     */
    MIN,
    /**
     * {@code max(expr)}: kept from inserted values; the group is rescanned when its maximum goes.
     */
    MAX
  }

  /** Whether some output is MIN or MAX (then a group may need a rescan). */
  public boolean hasExtremum() {
    return outputs.stream().anyMatch(o -> o.kind() == Kind.MIN || o.kind() == Kind.MAX);
  }

  /**
   * One output column.
   *
   * @param kind what it is
   * @param index the group-by position for GROUP, else unused (-1)
   * @param argument the aggregate's argument as SQL (null for GROUP and COUNT_STAR)
   */
  public record Output(Kind kind, int index, String argument) {}
}
