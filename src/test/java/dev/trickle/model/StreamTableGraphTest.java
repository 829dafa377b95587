package dev.trickle.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

final class StreamTableGraphTest {
  private static final TableRef SRC = new TableRef("public", "src");
  private static final TableRef A = new TableRef("public", "a");
  private static final TableRef B = new TableRef("public", "b");
  private static final TableRef C = new TableRef("public", "c");
  private static final TableRef D = new TableRef("public", "d");

  private static StreamTableGraph diamond() {
    Map<TableRef, List<TableRef>> reads = new LinkedHashMap<>();
    reads.put(D, List.of(B, C, SRC));
    reads.put(B, List.of(A));
    reads.put(C, List.of(A, SRC));
    reads.put(A, List.of(SRC));
    return new StreamTableGraph(reads);
  }

  @Test
  void edgesGoOnlyToStreamTables() {
    StreamTableGraph g = diamond();
    assertThat(g.upstreamsOf(D)).containsExactly(B, C);
    assertThat(g.upstreamsOf(A)).isEmpty();
    assertThat(g.downstreamsOf(A)).containsExactlyInAnyOrder(B, C);
    assertThat(g.allDownstreamsOf(A)).containsExactlyInAnyOrder(B, C, D);
    assertThat(g.allDownstreamsOf(D)).isEmpty();
  }

  @Test
  void topologicalOrderPutsUpstreamsFirst() {
    StreamTableGraph g = diamond();
    assertThat(g.topologicalOrder()).containsExactly(A, B, C, D);
    assertThat(g.depthOf(D)).isEqualTo(2);
    assertThat(g.cycle()).isEmpty();
  }

  @Test
  void aCycleIsNamedAlongItsPath() {
    Map<TableRef, List<TableRef>> reads = new LinkedHashMap<>();
    reads.put(A, List.of(SRC));
    reads.put(B, List.of(A, D));
    reads.put(C, List.of(B));
    reads.put(D, List.of(C));
    StreamTableGraph g = new StreamTableGraph(reads);
    assertThat(g.cycle().map(StreamTableGraph::format))
        .contains("public.b -> public.d -> public.c -> public.b");
    assertThatThrownBy(g::topologicalOrder).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aStreamTableReadingItselfIsACycle() {
    StreamTableGraph g = new StreamTableGraph(Map.of(A, List.of(A)));
    assertThat(g.cycle().map(StreamTableGraph::format)).contains("public.a -> public.a");
  }
}
