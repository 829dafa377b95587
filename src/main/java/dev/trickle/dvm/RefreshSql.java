package dev.trickle.dvm;

import dev.trickle.model.Strategy;
import java.util.List;

/**
 * The SQL of one stream table: how to create its storage, recompute it, and apply a delta.
 *
 * @param strategy how rows are identified
 * @param createStorage statements creating the stream table and its row-id index
 * @param fullRefresh statements replacing the contents with the query's result
 * @param deltaTable statement creating the session's delta temp table (null for FULL_ONLY)
 * @param copyIn COPY statement filling the delta temp table (null for FULL_ONLY)
 * @param applyDelta the MERGE applying the delta (null for FULL_ONLY)
 * @param deltaColumns source columns the delta table holds, in COPY order (key columns for KEYED,
 *     every column for MULTISET)
 */
public record RefreshSql(
    Strategy strategy,
    List<String> createStorage,
    List<String> fullRefresh,
    String deltaTable,
    String copyIn,
    String applyDelta,
    List<String> deltaColumns) {
  /** Copies the lists. */
  public RefreshSql {
    createStorage = List.copyOf(createStorage);
    fullRefresh = List.copyOf(fullRefresh);
    deltaColumns = List.copyOf(deltaColumns);
  }

  /**
   * The statement that gives the planner statistics on a filled delta table (worth it for large
   * deltas, where it turns per-key index probes into hash joins), or null for FULL_ONLY.
   */
  public String analyzeDelta() {
    if (copyIn == null) {
      return null;
    }
    String target = copyIn.substring("COPY ".length(), copyIn.length() - " FROM STDIN".length());
    return "ANALYZE " + target;
  }
}
