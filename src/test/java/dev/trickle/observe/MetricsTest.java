package dev.trickle.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What {@link Metrics} records, and that {@link Metrics#off()} records nothing. */
final class MetricsTest {

  private static void observe(Metrics m) {
    m.commitToVisible("public.st", 12.5);
    m.refresh("public.st", "DIFFERENTIAL", Duration.ofMillis(30), 4, 8, 1);
    m.streamTableEvent("pg_trickle.refresh.errors", "failed refreshes", "public.st", null);
  }

  @Test
  void on_recordsSamplesRefreshesAndEvents() {
    Metrics m = new Metrics();
    observe(m);
    assertThat(m.scrape())
        .contains("pg_trickle_commit_to_visible_ms_count{stream_table=\"public.st\"} 1")
        .contains(
            "pg_trickle_refresh_rows_total{mode=\"DIFFERENTIAL\",stream_table=\"public.st\"} 4.0")
        .contains("pg_trickle_refresh_errors_total{stream_table=\"public.st\"} 1.0");
    assertThat(m.latencySummaries().get("public.st").count()).isEqualTo(1);
    assertThat(m.refreshLog().since(0).get("public.st"))
        .singleElement()
        .satisfies(r -> assertThat(r.chunks()).isEqualTo(1));
  }

  @Test
  void off_recordsNothing() {
    Metrics m = Metrics.off();
    observe(m);
    m.gauge("pg_trickle.workers.active", "busy", () -> 3);
    assertThat(m.scrape()).doesNotContain("pg_trickle");
    assertThat(m.latencySummaries()).isEmpty();
    assertThat(m.refreshLog().since(0)).isEmpty();
  }
}
