package dev.trickle.catalog;

import dev.trickle.model.PgSnapshot;
import dev.trickle.model.Strategy;
import dev.trickle.model.TableRef;
import java.time.Duration;
import java.time.Instant;

/**
 * A stream table as registered in {@code pgtrickle.pgt_stream_tables}.
 *
 * @param id catalog id
 * @param name the stream table
 * @param query the defining query as the user wrote it
 * @param schedule refresh schedule
 * @param refreshMode FULL, DIFFERENTIAL or AUTO
 * @param budget preset, and the workers and memory set explicitly
 * @param strategy how rows are identified
 * @param status INITIALIZING, ACTIVE or ERROR
 * @param frontier snapshot the contents reflect; null before the first fill completes
 * @param lastRefreshAt time of the last successful refresh, or null
 * @param lastError last error text, or null
 * @param origin {@code config} (declared in YAML), {@code api} (created through the HTTP API or
 *     CLI) or {@code sql} (created by {@code pgtrickle.create_stream_table})
 * @param slot the replication slot of the pipeline that maintains it
 */
public record StreamTableRow(
    long id,
    TableRef name,
    String query,
    Duration schedule,
    String refreshMode,
    dev.trickle.config.ResourceBudget budget,
    Strategy strategy,
    String status,
    PgSnapshot frontier,
    Instant lastRefreshAt,
    String lastError,
    String origin,
    String slot) {

  /**
   * Whether it was created at run time (HTTP API or CLI: {@code api}; SQL function: {@code sql})
   * rather than declared in YAML.
   */
  public boolean isRuntime() {
    return "api".equals(origin) || "sql".equals(origin);
  }
}
