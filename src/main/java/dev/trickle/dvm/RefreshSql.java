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
   * How one source table's changes reach the delta statement: either a session temp table filled by
   * COPY (row images with weights), or, for KEYED, bound parameters of the delta statement, one
   * text array per key column ({@code $1} for the first key column, and so on).
   *
   * @param source the source table
   * @param createTable statement creating the temp table (idempotent, rows deleted on commit), or
   *     null when the delta is bound as parameters
   * @param copyIn COPY statement filling it, or null when bound as parameters
   * @param columns source columns it holds, in COPY order (key columns for KEYED, every column
   *     otherwise, followed by the weight)
   */
  public record Delta(TableRef source, String createTable, String copyIn, List<String> columns) {
    /** Copies the list. */
    public Delta {
      columns = List.copyOf(columns);
    }

    /**
     * A delta of changed keys bound as parameters of the delta statement.
     *
     * @param source the source table
     * @param keyColumns the source's key columns, in parameter order
     * @return the delta
     */
    public static Delta boundKeys(TableRef source, List<String> keyColumns) {
      return new Delta(source, null, null, keyColumns);
    }

    /**
     * For a bound (KEYED) delta whose keys are too many to bind (read from spill files): the
     * statement creating a session temp table of the keys as text, one column per key column.
     *
     * @param table the table's qualified name
     * @return the statement (idempotent, rows deleted on commit)
     */
    public String createKeysTable(String table) {
      requireBound();
      return "CREATE TEMP TABLE IF NOT EXISTS "
          + table.substring("pg_temp.".length())
          + " ("
          + RefreshSqlBuilder.joined(columns.size(), i -> "k" + (i + 1) + " text")
          + ") ON COMMIT DELETE ROWS";
    }

    /**
     * Rewrites a delta statement that binds this delta's keys as arrays ({@code unnest(CAST($1 AS
     * text[]), ...)}) to read them from a keys table instead, duplicates removed.
     *
     * @param statement the delta statement
     * @param table the keys table
     * @return the statement, with no parameters left
     * @throws IllegalStateException when the statement does not have the expected form
     */
    public String readKeysFrom(String statement, String table) {
      requireBound();
      String unnest =
          "unnest("
              + RefreshSqlBuilder.joined(columns.size(), i -> "CAST($" + (i + 1) + " AS text[])")
              + ")";
      String rewritten =
          statement.replace(
              unnest,
              "(SELECT DISTINCT "
                  + RefreshSqlBuilder.joined(columns.size(), i -> "k" + (i + 1))
                  + " FROM "
                  + table
                  + ")");
      if (rewritten.equals(statement) || rewritten.contains("$1")) {
        throw new IllegalStateException("a KEYED delta statement without its unnest of $1..");
      }
      return rewritten;
    }

    private void requireBound() {
      if (!bound()) {
        throw new IllegalStateException("a delta copied into a temp table has no bound keys");
      }
    }

    /** Whether the delta is bound as parameters rather than copied into a temp table. */
    public boolean bound() {
      return copyIn == null;
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
      if (bound()) {
        throw new IllegalStateException("a bound delta has no table");
      }
      return copyIn.substring("COPY ".length(), copyIn.length() - " FROM STDIN".length());
    }
  }

  /**
   * The hidden columns ({@code __pgt_...}) of the storage, in order: a stream table whose existing
   * storage has others was created by a release with another layout and is created again.
   */
  public List<String> hiddenColumns() {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("(?<![\\w\"])(__pgt_[a-z0-9_]+) ")
            .matcher(createStorage.get(0));
    List<String> out = new java.util.ArrayList<>();
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
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
