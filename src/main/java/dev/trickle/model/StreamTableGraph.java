package dev.trickle.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which stream tables read which: an edge goes from a stream table to each stream table its query
 * reads (its upstreams). Tables that are not stream tables are not part of it. Pure; built anew
 * from what each stream table reads.
 */
public final class StreamTableGraph {
  private final Map<TableRef, Set<TableRef>> upstreams = new LinkedHashMap<>();

  /**
   * Builds the graph.
   *
   * @param reads the tables each stream table's query reads, by stream table
   */
  public StreamTableGraph(Map<TableRef, ? extends Collection<TableRef>> reads) {
    for (TableRef st : reads.keySet()) {
      Set<TableRef> ups = new LinkedHashSet<>();
      for (TableRef t : reads.get(st)) {
        if (reads.containsKey(t)) {
          ups.add(t);
        }
      }
      upstreams.put(st, ups);
    }
  }

  /** The stream tables a stream table reads. */
  public Set<TableRef> upstreamsOf(TableRef st) {
    return upstreams.getOrDefault(st, Set.of());
  }

  /** The stream tables that read a stream table. */
  public List<TableRef> downstreamsOf(TableRef st) {
    List<TableRef> out = new ArrayList<>();
    upstreams.forEach(
        (d, ups) -> {
          if (ups.contains(st)) {
            out.add(d);
          }
        });
    return out;
  }

  /** Every stream table that reads a stream table, directly or through others. */
  public Set<TableRef> allDownstreamsOf(TableRef st) {
    Set<TableRef> out = new LinkedHashSet<>();
    List<TableRef> todo = new ArrayList<>(downstreamsOf(st));
    while (!todo.isEmpty()) {
      TableRef d = todo.remove(todo.size() - 1);
      if (out.add(d)) {
        todo.addAll(downstreamsOf(d));
      }
    }
    return out;
  }

  /**
   * A cycle, if there is one: the stream tables along it, the first repeated at the end (e.g.
   * {@code a, b, a}: a reads b, which reads a).
   */
  public Optional<List<TableRef>> cycle() {
    Map<TableRef, Integer> state = new LinkedHashMap<>(); // 1 on the path, 2 done
    for (TableRef start : upstreams.keySet()) {
      List<TableRef> path = new ArrayList<>();
      Optional<List<TableRef>> found = visit(start, state, path);
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }

  private Optional<List<TableRef>> visit(
      TableRef node, Map<TableRef, Integer> state, List<TableRef> path) {
    Integer s = state.get(node);
    if (s != null && s == 2) {
      return Optional.empty();
    }
    if (s != null) {
      List<TableRef> cycle = new ArrayList<>(path.subList(path.indexOf(node), path.size()));
      cycle.add(node);
      return Optional.of(cycle);
    }
    state.put(node, 1);
    path.add(node);
    for (TableRef up : upstreamsOf(node)) {
      Optional<List<TableRef>> found = visit(up, state, path);
      if (found.isPresent()) {
        return found;
      }
    }
    path.remove(path.size() - 1);
    state.put(node, 2);
    return Optional.empty();
  }

  /**
   * How deep a stream table sits: 0 when it reads no stream table, else one more than its deepest
   * upstream. Refreshing in order of depth refreshes every upstream before its downstreams.
   *
   * @throws IllegalStateException when the graph has a cycle
   */
  public int depthOf(TableRef st) {
    return depth(st, new LinkedHashSet<>());
  }

  private int depth(TableRef st, Set<TableRef> visiting) {
    if (!visiting.add(st)) {
      throw new IllegalStateException("cycle through " + st);
    }
    int d = 0;
    for (TableRef up : upstreamsOf(st)) {
      d = Math.max(d, depth(up, visiting) + 1);
    }
    visiting.remove(st);
    return d;
  }

  /** The stream tables, every upstream before its downstreams (stable otherwise). */
  public List<TableRef> topologicalOrder() {
    List<TableRef> out = new ArrayList<>(upstreams.keySet());
    Map<TableRef, Integer> depth = new LinkedHashMap<>();
    out.forEach(t -> depth.put(t, depthOf(t)));
    out.sort(Comparator.comparingInt(depth::get));
    return out;
  }

  /**
   * Formats a path of stream tables as {@code a -> b -> a}.
   *
   * @param path the stream tables
   * @return the text
   */
  public static String format(List<TableRef> path) {
    return String.join(" -> ", path.stream().map(TableRef::toString).toList());
  }
}
