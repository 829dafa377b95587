package dev.trickle.service;

import dev.trickle.catalog.CatalogStore;
import dev.trickle.catalog.StreamTableRow;
import dev.trickle.model.StreamTableGraph;
import dev.trickle.model.TableRef;
import dev.trickle.model.UserError;
import dev.trickle.refresh.RefreshOutcome;
import dev.trickle.refresh.StreamTable;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * Creates, drops and refreshes stream tables while the pipeline runs (the seed's {@code
 * create_stream_table}). Creation validates exactly as start-up does, then creates storage and
 * catalog row in one transaction and returns once the first fill has committed; a stream table
 * created this way is remembered in the catalog ({@code origin = 'api'}) and resumed after a
 * restart.
 */
public final class StreamTableAdmin {
  private static final Duration FILL_TIMEOUT = Duration.ofMinutes(10);

  private final Pipeline pipeline;

  StreamTableAdmin(Pipeline pipeline) {
    this.pipeline = pipeline;
  }

  /**
   * Creates and fills a stream table.
   *
   * @param request the validated request
   * @return its catalog row after the first fill
   * @throws UserError when the stream table cannot be created as asked
   * @throws Exception when the fill fails
   */
  public StreamTableRow create(StreamTableRequest request) throws Exception {
    return create(request, "api");
  }

  /**
   * Creates and fills a stream table.
   *
   * @param request the validated request
   * @param origin what the catalog records it came from ({@code api}, {@code sql})
   * @return its catalog row after the first fill
   * @throws UserError when the stream table cannot be created as asked
   * @throws Exception when the fill fails
   */
  StreamTableRow create(StreamTableRequest request, String origin) throws Exception {
    Database db = pipeline.database();
    String slot = pipeline.config().cdc().slot();
    String publication = pipeline.config().cdc().publication();
    StreamTable st;
    synchronized (StreamTableAdmin.class) {
      try (Connection conn = db.connect()) {
        Plan plan = planNew(conn, request);
        if (ReplicationSetup.prepareSources(conn, plan, publication)) {
          ReplicationSetup.waitForOlderTransactions(conn);
        }
        st =
            StreamTableRegistry.createOrResume(
                conn,
                plan,
                null,
                slot,
                origin,
                pipeline.config().settings().dvm().templateCacheMaxEntries());
      }
      pipeline.adopt(st);
    }
    try {
      pipeline.scheduler().refreshNow(st.id()).get(FILL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IllegalStateException(
          "stream table "
              + request.name()
              + " was created but its first fill failed: "
              + cause.getMessage(),
          cause);
    }
    try (Connection conn = db.connect()) {
      return CatalogStore.find(conn, request.name()).orElseThrow();
    }
  }

  /**
   * Plans a stream table that is not registered yet, as the HTTP API and the SQL functions create
   * it (the same checks, the same errors).
   *
   * @throws UserError when it exists already or cannot be maintained as asked
   */
  Plan planNew(Connection conn, StreamTableRequest request) throws SQLException {
    if (CatalogStore.find(conn, request.name()).isPresent()) {
      throw new UserError("stream table " + request.name() + " already exists");
    }
    return pipeline.planRuntime(
        conn,
        request.name(),
        request.query(),
        request.mode(),
        request.budget(),
        request.schedule());
  }

  /**
   * Drops a stream table: stops maintaining it, drops its table and its catalog rows. A stream
   * table that other stream tables read is dropped only with {@code cascade}, which drops them (and
   * their readers) first.
   *
   * @param name the stream table
   * @param cascade whether to drop the stream tables that read it too
   * @return the stream tables dropped, readers first
   * @throws UserError when there is no such stream table in this pipeline, or others read it and
   *     {@code cascade} is false
   * @throws SQLException on database failures
   */
  public List<TableRef> drop(TableRef name, boolean cascade) throws SQLException {
    StreamTable st = find(name).orElseThrow(() -> notFound(name));
    StreamTableGraph graph;
    try (Connection conn = pipeline.database().connect()) {
      graph = new StreamTableGraph(CatalogStore.sources(conn));
    }
    List<TableRef> readers = new ArrayList<>(graph.allDownstreamsOf(name));
    if (!readers.isEmpty() && !cascade) {
      throw new UserError(
          "stream table "
              + name
              + " is read by "
              + readers.stream().map(TableRef::toString).collect(Collectors.joining(", "))
              + "; drop those first, or drop with cascade (trickle drop "
              + name
              + " --cascade)");
    }
    List<StreamTable> victims = new ArrayList<>();
    for (TableRef r : readers) {
      victims.add(
          find(r)
              .orElseThrow(
                  () ->
                      new UserError(
                          "stream table "
                              + name
                              + " is read by "
                              + r
                              + ", which another pipeline maintains; drop it there first")));
    }
    // readers first: the deepest ones before those they read
    victims.sort(Comparator.comparingInt((StreamTable v) -> graph.depthOf(v.name())).reversed());
    victims.add(st);
    List<TableRef> dropped = new ArrayList<>();
    for (StreamTable v : victims) {
      dropOne(v);
      dropped.add(v.name());
    }
    return dropped;
  }

  private void dropOne(StreamTable st) throws SQLException {
    pipeline.forget(st);
    try (Connection conn = pipeline.database().connect()) {
      conn.setAutoCommit(false);
      try (Statement s = conn.createStatement()) {
        s.execute("DROP TABLE IF EXISTS " + st.name().quoted());
        CatalogStore.delete(conn, st.id());
        conn.commit();
      } catch (SQLException | RuntimeException e) {
        conn.rollback();
        throw e;
      }
    }
  }

  /**
   * Refreshes a stream table now and waits for the outcome.
   *
   * @param name the stream table
   * @return what the refresh did
   * @throws UserError when there is no such stream table in this pipeline
   * @throws Exception when the refresh fails
   */
  public RefreshOutcome refresh(TableRef name) throws Exception {
    StreamTable st = find(name).orElseThrow(() -> notFound(name));
    Optional<String> change = pipeline.scheduler().sourceChange(st.id());
    if (change.isPresent()) {
      // in ERROR after a source change: planned again first (fails with the change if it must)
      st = pipeline.replan(st, change.get());
    }
    try {
      return pipeline
          .scheduler()
          .refreshNow(st.id())
          .get(FILL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception ex ? ex : e;
    }
  }

  /**
   * Previews a query without side effects.
   *
   * @param query the defining query
   * @return the preview
   * @throws UserError when the query is invalid
   * @throws SQLException on database failures
   */
  public Preview preview(String query) throws SQLException {
    try (Connection conn = pipeline.database().connect()) {
      return Preview.of(
          conn,
          query,
          pipeline.config().settings().cdc().setReplicaIdentityFull(),
          pipeline.config().cdc().source(),
          StreamTablePlanner.limits(pipeline.config().settings()));
    }
  }

  private Optional<StreamTable> find(TableRef name) {
    return pipeline.streamTables().stream().filter(s -> s.name().equals(name)).findFirst();
  }

  private static UserError notFound(TableRef name) {
    return new UserError("stream table " + name + " does not exist in this pipeline");
  }
}
