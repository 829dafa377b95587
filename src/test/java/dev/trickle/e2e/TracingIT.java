package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.observe.Tracing;
import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.sql.Connection;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The five span names (seed QW-4), nested tick → refresh cycle → delta execute, frontier advance,
 * cleanup, with their attributes, as the OpenTelemetry SDK's in-memory exporter receives them.
 */
final class TracingIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  private static final String QUERY = "SELECT id, v FROM src WHERE v > 0";

  @Test
  void aRefreshIsTracedUnderTheTickThatStartedIt() throws Exception {
    db.execute(
        "CREATE TABLE src (id int PRIMARY KEY, v int)",
        "INSERT INTO src SELECT g, g FROM generate_series(1, 30) g");
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    OpenTelemetrySdk otel =
        OpenTelemetrySdk.builder()
            .setTracerProvider(
                SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(spans))
                    .build())
            .build();
    Tracing.set(Tracing.of(otel));
    try (Connection c = db.connect();
        PipelineFixture p =
            PipelineFixture.start(
                PipelineFixture.writeConfig(
                    db,
                    "tracing",
                    "stream_tables:\n  - {name: st_tr, query: \""
                        + QUERY
                        + "\", schedule: 50ms, refresh_mode: DIFFERENTIAL}\n"))) {
      assertThat(p.pipeline().isReady()).isTrue();
      spans.reset();
      db.execute("UPDATE src SET v = v + 1 WHERE id <= 7");
      assertThat(Oracle.awaitEqual(c, "st_tr", QUERY, 20_000)).isZero();
      long deadline = System.currentTimeMillis() + 5_000;
      Optional<SpanData> cycle = Optional.empty();
      while (cycle.isEmpty() && System.currentTimeMillis() < deadline) {
        cycle =
            spans.getFinishedSpanItems().stream()
                .filter(s -> s.getName().equals(Tracing.REFRESH_CYCLE))
                .filter(
                    s -> Boolean.TRUE.equals(attr(s, AttributeKey.booleanKey("pgtrickle.applied"))))
                .findFirst();
        Thread.sleep(20);
      }
      assertThat(cycle).isPresent();
      SpanData refresh = cycle.get();
      List<SpanData> all = spans.getFinishedSpanItems();
      assertThat(attr(refresh, AttributeKey.stringKey("pgtrickle.stream_table")))
          .isEqualTo("public.st_tr");
      assertThat(attr(refresh, AttributeKey.stringKey("pgtrickle.mode"))).isEqualTo("DIFFERENTIAL");
      assertThat(attr(refresh, AttributeKey.longKey("pgtrickle.delta_rows"))).isEqualTo(7L);
      SpanData tick = only(all, Tracing.SCHEDULER_TICK, refresh.getParentSpanId());
      assertThat(tick.getParentSpanContext().isValid()).as("a tick is a root span").isFalse();
      assertThat(tick.getTraceId()).isEqualTo(refresh.getTraceId());

      SpanData execute = child(all, Tracing.DELTA_EXECUTE, refresh);
      assertThat(attr(execute, AttributeKey.longKey("pgtrickle.delta_rows"))).isEqualTo(7L);
      assertThat(attr(execute, AttributeKey.longKey("pgtrickle.merge_chunks"))).isEqualTo(1L);
      assertThat(attr(execute, AttributeKey.stringKey("pgtrickle.mode"))).isEqualTo("DIFFERENTIAL");
      SpanData advance = child(all, Tracing.FRONTIER_ADVANCE, refresh);
      assertThat(attr(advance, AttributeKey.stringKey("pgtrickle.source_lsn")))
          .matches("[0-9A-F]+/[0-9A-F]+");
      assertThat(attr(advance, AttributeKey.stringKey("pgtrickle.frontier"))).contains(":");
      SpanData cleanup = child(all, Tracing.CLEANUP, refresh);
      assertThat(attr(cleanup, AttributeKey.longKey("pgtrickle.absorbed_transactions")))
          .isEqualTo(1L);
      assertThat(execute.getEndEpochNanos()).isLessThanOrEqualTo(advance.getStartEpochNanos());
      assertThat(advance.getEndEpochNanos()).isLessThanOrEqualTo(cleanup.getStartEpochNanos());
    } finally {
      Tracing.set(null);
      otel.close();
    }
  }

  private static <T> T attr(SpanData s, AttributeKey<T> key) {
    return s.getAttributes().get(key);
  }

  private static SpanData only(List<SpanData> all, String name, String spanId) {
    List<SpanData> found =
        all.stream().filter(s -> s.getName().equals(name) && s.getSpanId().equals(spanId)).toList();
    assertThat(found).as("%s %s", name, spanId).hasSize(1);
    return found.get(0);
  }

  private static SpanData child(List<SpanData> all, String name, SpanData parent) {
    List<SpanData> found =
        all.stream()
            .filter(s -> s.getName().equals(name) && s.getParentSpanId().equals(parent.getSpanId()))
            .toList();
    assertThat(found).as("%s under %s", name, parent.getName()).hasSize(1);
    assertThat(found.get(0).getTraceId()).isEqualTo(parent.getTraceId());
    return found.get(0);
  }
}
