package dev.trickle.scheduler;

import dev.trickle.model.StreamTableGraph;
import dev.trickle.model.TableRef;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Who reads whom among the scheduler's stream tables ({@link StreamTableGraph} over its entries):
 * each one's upstreams and readers, its depth, and the waves, the stream tables read by one reader,
 * which refresh together at one shared snapshot so that the reader never sees them at different
 * source snapshots (a diamond: A feeds B and C, both feed D). Built when a stream table is added or
 * removed, not on every tick; immutable.
 */
final class Topology {
  private final Map<Scheduler.Entry, List<Scheduler.Entry>> upstreams = new HashMap<>();
  private final Map<Scheduler.Entry, List<Scheduler.Entry>> readers = new HashMap<>();
  private final Map<Scheduler.Entry, Integer> depth = new HashMap<>();

  /** Each wave member's wave, its members ordered upstreams first. */
  final Map<Scheduler.Entry, List<Scheduler.Entry>> waves = new HashMap<>();

  private Topology(Collection<Scheduler.Entry> entries) {
    Map<TableRef, List<TableRef>> reads = new HashMap<>();
    Map<TableRef, Scheduler.Entry> byName = new HashMap<>();
    for (Scheduler.Entry e : entries) {
      reads.put(e.st.name(), e.st.sources());
      byName.put(e.st.name(), e);
    }
    StreamTableGraph graph = new StreamTableGraph(reads);
    for (Scheduler.Entry e : entries) {
      TableRef n = e.st.name();
      upstreams.put(
          e, graph.upstreamsOf(n).stream().filter(u -> !u.equals(n)).map(byName::get).toList());
      readers.put(
          e, graph.downstreamsOf(n).stream().filter(r -> !r.equals(n)).map(byName::get).toList());
      int d;
      try {
        d = graph.depthOf(n);
      } catch (IllegalStateException cycle) {
        d = 0; // cycles are refused at creation; never loop on one
      }
      depth.put(e, d);
    }
    Map<Scheduler.Entry, Scheduler.Entry> parent = new HashMap<>();
    for (Scheduler.Entry reader : entries) {
      List<Scheduler.Entry> ups = upstreams(reader);
      for (int i = 1; i < ups.size(); i++) {
        union(parent, ups.get(0), ups.get(i));
      }
    }
    Map<Scheduler.Entry, List<Scheduler.Entry>> byRoot = new HashMap<>();
    for (Scheduler.Entry m : parent.keySet()) {
      byRoot.computeIfAbsent(find(parent, m), r -> new ArrayList<>()).add(m);
    }
    for (List<Scheduler.Entry> wave : byRoot.values()) {
      wave.sort(Comparator.comparingInt(this::depth));
      List<Scheduler.Entry> members = List.copyOf(wave);
      members.forEach(m -> waves.put(m, members));
    }
  }

  /** The topology of these entries. */
  static Topology of(Collection<Scheduler.Entry> entries) {
    return new Topology(List.copyOf(entries));
  }

  /** The stream tables it reads (none when unknown). */
  List<Scheduler.Entry> upstreams(Scheduler.Entry e) {
    return upstreams.getOrDefault(e, List.of());
  }

  /** Whether a stream table it reads is refreshing. */
  boolean upstreamRunning(Scheduler.Entry e) {
    return upstreams(e).stream().anyMatch(u -> u.running);
  }

  /** Whether a stream table that reads it is refreshing. */
  boolean readerRunning(Scheduler.Entry e) {
    return readers.getOrDefault(e, List.of()).stream().anyMatch(r -> r.running);
  }

  /** Whether a stream table that reads it is due and waits for it to finish. */
  boolean readerWaiting(Scheduler.Entry e) {
    return readers.getOrDefault(e, List.of()).stream().anyMatch(r -> r.waitingForUpstream);
  }

  /** How many stream tables deep it reads (0: only plain tables). */
  int depth(Scheduler.Entry e) {
    return depth.getOrDefault(e, 0);
  }

  private static Scheduler.Entry find(
      Map<Scheduler.Entry, Scheduler.Entry> parent, Scheduler.Entry e) {
    Scheduler.Entry p = parent.computeIfAbsent(e, x -> x);
    return p == e ? e : find(parent, p);
  }

  private static void union(
      Map<Scheduler.Entry, Scheduler.Entry> parent, Scheduler.Entry a, Scheduler.Entry b) {
    Scheduler.Entry ra = find(parent, a);
    Scheduler.Entry rb = find(parent, b);
    if (ra != rb) {
      parent.put(ra, rb);
    }
  }
}
