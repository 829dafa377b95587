package dev.trickle.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * A running pipeline over a test database with a set of stream tables, and the oracle check the
 * end-to-end property tests share: apply random transactions, then every stream table must equal
 * its query.
 */
public final class LiveStreamTables implements AutoCloseable {
  private final PgDatabase db;
  private final Map<String, String> streamTables;
  private final PipelineFixture pipeline;
  private final Connection conn;

  private LiveStreamTables(
      PgDatabase db, Map<String, String> streamTables, PipelineFixture pipeline, Connection conn) {
    this.db = db;
    this.streamTables = Map.copyOf(streamTables);
    this.pipeline = pipeline;
    this.conn = conn;
  }

  /**
   * Starts a pipeline maintaining the stream tables; drops the database if that fails.
   *
   * @param db the database, with its source tables
   * @param slot slot and publication name
   * @param settings YAML of a {@code settings:} block, or empty
   * @param streamTables stream table name to defining query
   * @param schedule every stream table's schedule
   * @param mode refresh mode by stream table name
   * @return the running stream tables
   * @throws Exception when the pipeline does not start
   */
  public static LiveStreamTables start(
      PgDatabase db,
      String slot,
      String settings,
      Map<String, String> streamTables,
      String schedule,
      Function<String, String> mode)
      throws Exception {
    try {
      PipelineFixture pipeline =
          PipelineFixture.start(
              PipelineFixture.writeConfig(
                  db,
                  slot,
                  settings + PipelineFixture.streamTablesYaml(streamTables, schedule, mode)));
      return new LiveStreamTables(db, streamTables, pipeline, db.connect());
    } catch (Exception | AssertionError e) {
      db.drop();
      throw e;
    }
  }

  /** The database. */
  public PgDatabase db() {
    return db;
  }

  /** The running pipeline. */
  public PipelineFixture pipeline() {
    return pipeline;
  }

  /**
   * How many of the stream tables the catalog registered with one of these strategies.
   *
   * @param strategies strategy names
   * @return the count
   * @throws java.sql.SQLException on database errors
   */
  public long withStrategy(String... strategies) throws java.sql.SQLException {
    return db.queryLong(
        "SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE strategy IN ('"
            + String.join("', '", strategies)
            + "')");
  }

  /**
   * Applies transactions, then checks that every stream table equals its query (waiting up to 30 s
   * for each).
   *
   * @param transactions the transactions, in order
   * @param rollBack which of them to roll back on purpose
   * @throws Exception on database errors or interruption
   */
  public void applyAndCheck(List<List<SqlOp>> transactions, Predicate<List<SqlOp>> rollBack)
      throws Exception {
    SqlOp.applyAll(db, transactions, rollBack);
    for (Map.Entry<String, String> e : streamTables.entrySet()) {
      assertThat(Oracle.awaitEqual(conn, e.getKey(), e.getValue(), 30_000))
          .as("%s differs from its query after %s", e.getKey(), transactions)
          .isZero();
    }
  }

  @Override
  public void close() throws java.sql.SQLException {
    try {
      conn.close();
      pipeline.close();
    } finally {
      db.drop();
    }
  }
}
