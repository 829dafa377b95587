package dev.trickle.service;

import dev.trickle.config.StreamTableSpec;
import dev.trickle.model.StreamTableGraph;
import dev.trickle.model.TableRef;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The order in which declared stream tables are planned and created when some read others that do
 * not exist yet: the server cannot resolve a query over a table that is not there, so the
 * dependencies among new stream tables are read from their query texts (a declared name used as an
 * identifier), each is planned after the ones it names, and planning it first creates their storage
 * inside its rolled-back planning transaction ({@link #prelude}). Once planned, the server's own
 * answer (the tables a query reads) is what counts. Pure.
 */
final class DeclaredOrder {
  private final List<StreamTableSpec> ordered;
  private final Map<TableRef, Set<TableRef>> names;
  private final List<TableRef> cycle;

  private DeclaredOrder(
      List<StreamTableSpec> ordered, Map<TableRef, Set<TableRef>> names, List<TableRef> cycle) {
    this.ordered = ordered;
    this.names = names;
    this.cycle = cycle;
  }

  /**
   * Orders declared stream tables.
   *
   * @param specs the declared stream tables, in file order
   * @param existing stream tables (and so tables) that exist already
   * @return the order
   */
  static DeclaredOrder of(List<StreamTableSpec> specs, Collection<TableRef> existing) {
    Map<TableRef, StreamTableSpec> byName = new LinkedHashMap<>();
    specs.forEach(s -> byName.put(ref(s), s));
    Map<TableRef, Set<TableRef>> named = new LinkedHashMap<>();
    for (StreamTableSpec s : specs) {
      Set<TableRef> ups = new LinkedHashSet<>();
      for (TableRef t : byName.keySet()) {
        if (!t.equals(ref(s)) && !existing.contains(t) && mentions(s.query(), t)) {
          ups.add(t);
        }
      }
      named.put(ref(s), ups);
    }
    StreamTableGraph graph = new StreamTableGraph(named);
    Optional<List<TableRef>> cycle = graph.cycle();
    List<StreamTableSpec> ordered = new ArrayList<>();
    if (cycle.isPresent()) {
      ordered.addAll(specs);
    } else {
      graph.topologicalOrder().forEach(t -> ordered.add(byName.get(t)));
    }
    return new DeclaredOrder(ordered, named, cycle.orElse(List.of()));
  }

  private static TableRef ref(StreamTableSpec s) {
    return new TableRef(s.schema(), s.table());
  }

  /** Whether a query names a table: {@code name}, {@code "name"} or schema-qualified. */
  static boolean mentions(String query, TableRef table) {
    String name = Pattern.quote(table.name());
    String schema = Pattern.quote(table.schema());
    String qualified = "(?:\"?" + schema + "\"?\\s*\\.\\s*)";
    String optionalSchema = table.schema().equals("public") ? qualified + "?" : qualified;
    return Pattern.compile(
            "(?<![\\w$.\"])" + optionalSchema + "\"?" + name + "\"?(?![\\w$\"])",
            Pattern.CASE_INSENSITIVE)
        .matcher(query)
        .find();
  }

  /** The declared stream tables, every one after those it names. */
  List<StreamTableSpec> specs() {
    return ordered;
  }

  /** New stream tables that name each other in a cycle (first repeated at the end), if any. */
  Optional<List<TableRef>> cycle() {
    return cycle.isEmpty() ? Optional.empty() : Optional.of(cycle);
  }

  /** Whether a stream table is on the cycle. */
  boolean inCycle(TableRef st) {
    return cycle.contains(st);
  }

  /**
   * The statements that create the storage of the new stream tables a stream table names, directly
   * or through others, those it reads first.
   *
   * @param st the stream table about to be planned
   * @param planned the plans made so far
   * @return statements to run first in its planning transaction
   */
  List<String> prelude(TableRef st, Map<TableRef, Plan> planned) {
    Set<TableRef> needed = new LinkedHashSet<>();
    collect(st, needed);
    List<String> out = new ArrayList<>();
    for (StreamTableSpec s : ordered) {
      Plan p = planned.get(ref(s));
      if (needed.contains(ref(s)) && p != null) {
        out.addAll(p.sql().createStorage());
      }
    }
    return out;
  }

  private void collect(TableRef st, Set<TableRef> into) {
    for (TableRef up : names.getOrDefault(st, Set.of())) {
      if (into.add(up)) {
        collect(up, into);
      }
    }
  }
}
