package dev.trickle.observe;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import java.util.Map;

/**
 * Trace spans (seed QW-4) through OpenTelemetry: {@code pgtrickle.scheduler_tick}, {@code
 * pgtrickle.refresh_cycle}, {@code pgtrickle.delta_execute}, {@code pgtrickle.frontier_advance} and
 * {@code pgtrickle.cleanup}. Off unless the standard {@code OTEL_*} environment asks for an
 * exporter ({@code OTEL_TRACES_EXPORTER}, or an {@code OTEL_EXPORTER_OTLP_*ENDPOINT}); off, every
 * call is a no-op on a shared instance and no span is created.
 */
public final class Tracing {
  /** Span of one scheduler wake. */
  public static final String SCHEDULER_TICK = "pgtrickle.scheduler_tick";

  /** Span of one refresh of one stream table. */
  public static final String REFRESH_CYCLE = "pgtrickle.refresh_cycle";

  /** Span of the statements that apply the delta (or recompute, for FULL). */
  public static final String DELTA_EXECUTE = "pgtrickle.delta_execute";

  /** Span of writing the new frontier and history row, and committing. */
  public static final String FRONTIER_ADVANCE = "pgtrickle.frontier_advance";

  /** Span of releasing what the refresh absorbed (buffered changes, temp tables). */
  public static final String CLEANUP = "pgtrickle.cleanup";

  /** Attribute: the stream table, schema.table. */
  public static final AttributeKey<String> STREAM_TABLE =
      AttributeKey.stringKey("pgtrickle.stream_table");

  /** Attribute: the refresh mode applied. */
  public static final AttributeKey<String> MODE = AttributeKey.stringKey("pgtrickle.mode");

  /** Attribute: why that mode (the history reason code). */
  public static final AttributeKey<String> REASON_CODE =
      AttributeKey.stringKey("pgtrickle.reason_code");

  /** Attribute: whether the refresh changed anything. */
  public static final AttributeKey<Boolean> APPLIED = AttributeKey.booleanKey("pgtrickle.applied");

  /** Attribute: rows of the delta applied. */
  public static final AttributeKey<Long> DELTA_ROWS = AttributeKey.longKey("pgtrickle.delta_rows");

  /** Attribute: source transactions the refresh applied. */
  public static final AttributeKey<Long> SOURCE_TRANSACTIONS =
      AttributeKey.longKey("pgtrickle.source_transactions");

  /** Attribute: MERGE statements the delta took. */
  public static final AttributeKey<Long> MERGE_CHUNKS =
      AttributeKey.longKey("pgtrickle.merge_chunks");

  /** Attribute: rows changed in the stream table. */
  public static final AttributeKey<Long> ROWS_AFFECTED =
      AttributeKey.longKey("pgtrickle.rows_affected");

  /** Attribute: the snapshot the stream table now reflects. */
  public static final AttributeKey<String> FRONTIER = AttributeKey.stringKey("pgtrickle.frontier");

  /** Attribute: commit LSN of the last source transaction applied. */
  public static final AttributeKey<String> SOURCE_LSN =
      AttributeKey.stringKey("pgtrickle.source_lsn");

  /** Attribute: buffered transactions released. */
  public static final AttributeKey<Long> ABSORBED =
      AttributeKey.longKey("pgtrickle.absorbed_transactions");

  /** Attribute: stream tables due at a tick. */
  public static final AttributeKey<Long> DUE = AttributeKey.longKey("pgtrickle.due");

  /** Attribute: of those, how many found no free worker. */
  public static final AttributeKey<Long> WAITING = AttributeKey.longKey("pgtrickle.waiting");

  private static final Tracing OFF = new Tracing(null);
  private static volatile Tracing current;

  private final Tracer tracer;

  private Tracing(OpenTelemetry otel) {
    this.tracer = otel == null ? null : otel.getTracer("dev.trickle", "0.1.0");
  }

  /** Tracing to this OpenTelemetry instance (tests, or a host application). */
  public static Tracing of(OpenTelemetry otel) {
    return new Tracing(otel);
  }

  /** The process's tracing: as the environment says, decided once. */
  public static Tracing get() {
    Tracing t = current;
    if (t == null) {
      synchronized (Tracing.class) {
        if (current == null) {
          current = fromEnvironment(System.getenv());
        }
        t = current;
      }
    }
    return t;
  }

  /** Replaces the process's tracing (tests). */
  public static void set(Tracing tracing) {
    current = tracing;
  }

  static Tracing fromEnvironment(Map<String, String> env) {
    boolean asked =
        env.containsKey("OTEL_TRACES_EXPORTER")
            || env.containsKey("OTEL_EXPORTER_OTLP_ENDPOINT")
            || env.containsKey("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    boolean disabled =
        "true".equalsIgnoreCase(env.get("OTEL_SDK_DISABLED"))
            || "none".equalsIgnoreCase(env.get("OTEL_TRACES_EXPORTER"));
    if (!asked || disabled) {
      return OFF;
    }
    return new Tracing(AutoConfiguredOpenTelemetrySdk.initialize().getOpenTelemetrySdk());
  }

  /** Whether spans are recorded. */
  public boolean enabled() {
    return tracer != null;
  }

  /**
   * Starts a span under the current context, or the invalid span when off.
   *
   * @param name one of the span names above
   * @return the span; end it
   */
  public Span start(String name) {
    return tracer == null ? Span.getInvalid() : tracer.spanBuilder(name).startSpan();
  }

  /**
   * Starts a span under a parent context (a refresh under the tick that started it, on another
   * thread).
   *
   * @param name the span name
   * @param parent the parent's context
   * @return the span; end it
   */
  public Span start(String name, Context parent) {
    return tracer == null
        ? Span.getInvalid()
        : tracer.spanBuilder(name).setParent(parent).startSpan();
  }
}
