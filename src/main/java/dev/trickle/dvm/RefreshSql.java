package dev.trickle.dvm;

import dev.trickle.model.Strategy;
import dev.trickle.model.TableRef;
import java.util.List;

/**
 * The SQL of one stream table: how to create its storage, recompute it, and apply a delta.
 *
 * @param strategy how rows are identified
 * @param createStorage statements creating the stream table and its row-id index
 * @param fullRefresh statements replacing the contents with the query's result
 * @param applyDelta the statement(s) applying the delta (null for FULL_ONLY)
 * @param deltas one delta temp table per source table the delta reads (empty for FULL_ONLY)
 */
public record RefreshSql(
    Strategy strategy,
    List<String> createStorage,
    List<String> fullRefresh,
    String applyDelta,
    List<Delta> deltas) {
  /** Copies the lists. */
  public RefreshSql {
    createStorage = List.copyOf(createStorage);
    fullRefresh = List.copyOf(fullRefresh);
    deltas = List.copyOf(deltas);
  }

  /**
   * The session temp table that receives one source table's changes.
   *
   * @param source the source table
   * @param createTable statement creating the temp table (idempotent, rows deleted on commit)
   * @param copyIn COPY statement filling it
   * @param columns source columns it holds, in COPY order (key columns for KEYED, every column
   *     otherwise, followed by the weight)
   */
  public record Delta(TableRef source, String createTable, String copyIn, List<String> columns) {
    /** Copies the list. */
    public Delta {
      columns = List.copyOf(columns);
    }

    /**
     * The statement that gives the planner statistics on the filled table (worth it for large
     * deltas, where it turns per-key index probes into hash joins).
     */
    public String analyze() {
      return "ANALYZE " + tableName();
    }

    /** The temp table's qualified name, e.g. {@code pg_temp.__pgt_delta_7}. */
    public String tableName() {
      return copyIn.substring("COPY ".length(), copyIn.length() - " FROM STDIN".length());
    }
  }

  /** The first delta table's creating statement, or null for FULL_ONLY. */
  public String deltaTable() {
    return deltas.isEmpty() ? null : deltas.get(0).createTable();
  }

  /** The first delta table's COPY statement, or null for FULL_ONLY. */
  public String copyIn() {
    return deltas.isEmpty() ? null : deltas.get(0).copyIn();
  }

  /** The first delta table's columns (empty for FULL_ONLY). */
  public List<String> deltaColumns() {
    return deltas.isEmpty() ? List.of() : deltas.get(0).columns();
  }

  /** The first delta table's ANALYZE statement, or null for FULL_ONLY. */
  public String analyzeDelta() {
    return deltas.isEmpty() ? null : deltas.get(0).analyze();
  }
}
