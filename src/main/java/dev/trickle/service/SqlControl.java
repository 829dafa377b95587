package dev.trickle.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.trickle.catalog.CatalogStore;
import dev.trickle.catalog.StreamTableRow;
import dev.trickle.model.TableRef;
import dev.trickle.model.UserError;
import dev.trickle.refresh.StreamTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's side of {@code pgtrickle.create_stream_table}, {@code alter_stream_table} and
 * {@code drop_stream_table} (docs/ARCHITECTURE.md, "SQL functions"). The function asks for a plan;
 * the service validates exactly as the HTTP API does and answers what to do, changing nothing; the
 * function does it in the caller's transaction and, with a transactional message, tells the service
 * at that commit, which then maintains the new definition. A drop or an alter stops maintaining the
 * stream table while the caller's transaction is open; when it ends, the service takes up what the
 * catalog then says (the old definition, if the transaction rolled back).
 */
final class SqlControl {
  private static final Logger log = LoggerFactory.getLogger(SqlControl.class);

  /** pg_trickle's defaults for a call without a preset. */
  static final String DEFAULT_SCHEDULE = "1m";

  static final String DEFAULT_MODE = "DIFFERENTIAL";

  /** How long preparing the sources waits for a lock (the caller may hold one, and waits). */
  static final long SOURCE_LOCK_TIMEOUT_MS = 5_000;

  private final Pipeline pipeline;

  /** Stream tables not maintained while a caller's drop or alter is open: id to its xid. */
  private final Map<Long, String> paused = new ConcurrentHashMap<>();

  SqlControl(Pipeline pipeline) {
    this.pipeline = pipeline;
  }

  /** A create request as pg_trickle's defaults complete it. */
  private StreamTableRequest createRequest(JsonNode args) {
    String preset = text(args, "preset");
    boolean noPreset = preset == null || preset.isBlank();
    String schedule = text(args, "schedule");
    String mode = text(args, "refresh_mode");
    return StreamTableRequest.parse(
        text(args, "name"),
        text(args, "query"),
        schedule == null && noPreset ? DEFAULT_SCHEDULE : schedule,
        mode == null && noPreset ? DEFAULT_MODE : mode,
        preset,
        null,
        null,
        pipeline.config().settings().scheduler().defaultSchedule());
  }

  /** What {@code create_stream_table} must do in the caller's transaction. */
  Object planCreate(JsonNode args) throws SQLException {
    StreamTableRequest request = createRequest(args);
    try (Connection conn = pipeline.database().connect()) {
      Plan plan = pipeline.admin().planNew(conn, request);
      // the sources are published now, before the caller fills the table: a change committed
      // after that is in the stream, one before it in the FULL refresh that follows the commit
      try (java.sql.Statement st = conn.createStatement()) {
        st.execute("SET lock_timeout = '" + SOURCE_LOCK_TIMEOUT_MS + "ms'");
      }
      try {
        if (ReplicationSetup.prepareSources(conn, plan, pipeline.config().cdc().publication())) {
          ReplicationSetup.waitForTransactionsRunningNow(conn, text(args, "xid"));
        }
      } catch (SQLException e) {
        if ("55P03".equals(e.getSQLState())) {
          throw new UserError(
              "stream table "
                  + request.name()
                  + ": its sources need REPLICA IDENTITY FULL, and another transaction holds a"
                  + " lock on them (if it is this one, create the stream table before writing to"
                  + " its sources, or set the replica identity first)");
        }
        throw e;
      }
      Map<String, Object> catalog = new LinkedHashMap<>();
      catalog.put("pgt_schema", plan.name().schema());
      catalog.put("pgt_name", plan.name().name());
      catalog.put("query", plan.query());
      catalog.put("schedule_ms", plan.schedule().toMillis());
      catalog.put("refresh_mode", plan.mode().name());
      catalog.put("preset", plan.budget().presetName());
      catalog.put("workers", plan.budget().workers());
      catalog.put("merge_work_mem_mb", plan.budget().mergeWorkMemMb());
      catalog.put("strategy", plan.sql().strategy().name());
      catalog.put("slot_name", pipeline.config().cdc().slot());
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("create", plan.sql().createStorage());
      answer.put("fill", plan.sql().fullRefresh());
      answer.put("catalog", catalog);
      answer.put("warnings", plan.warnings());
      return answer;
    }
  }

  /**
   * Checks a drop and stops maintaining the stream table until the caller's transaction ends.
   *
   * @return the stream table's id and quoted name
   */
  Object planDrop(JsonNode args) throws SQLException {
    if (othersToAnswer(text(args, "name"))) {
      return SqlRequestDesk.NOT_MINE;
    }
    StreamTable st = maintained(text(args, "name"));
    TableRef name = st.name();
    try (Connection conn = pipeline.database().connect()) {
      var readers =
          new dev.trickle.model.StreamTableGraph(CatalogStore.sources(conn)).allDownstreamsOf(name);
      if (!readers.isEmpty()) {
        throw new UserError(
            "stream table "
                + name
                + " is read by "
                + readers.stream()
                    .map(TableRef::toString)
                    .collect(java.util.stream.Collectors.joining(", "))
                + "; drop those first");
      }
    }
    pause(st, args);
    return Map.of("id", st.id(), "table", name.quoted());
  }

  /**
   * Checks an alter (schedule, refresh mode) and stops maintaining the stream table until the
   * caller's transaction ends.
   *
   * @return the stream table's id and the values to store
   */
  Object planAlter(JsonNode args) throws SQLException {
    if (othersToAnswer(text(args, "name"))) {
      return SqlRequestDesk.NOT_MINE;
    }
    StreamTable st = maintained(text(args, "name"));
    StreamTableRequest request = alterRequest(st, args);
    String status = status(args);
    Rebuild rebuild = rebuild(st, request);
    // only the schedule or the mode, same storage: changed in place at the caller's commit,
    // keeping the frontier; otherwise maintenance pauses until the caller's transaction ends
    boolean inPlace = rebuild.statements().isEmpty() && status == null;
    if (!inPlace) {
      pause(st, args);
    }
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("in_place", inPlace);
    answer.put("id", st.id());
    answer.put("schedule_ms", request.schedule().toMillis());
    answer.put("refresh_mode", request.mode().name());
    answer.put("status", status);
    answer.put("rebuild", rebuild.statements());
    answer.put("strategy", rebuild.strategy());
    return answer;
  }

  /**
   * What an alter must do to the storage: another mode may need another layout (FULL keeps no
   * source keys); then the table is rebuilt in one transaction, so that readers never find it
   * missing.
   *
   * @param statements drop, create and fill, or none when the layout stays
   * @param strategy the strategy after the alter
   */
  private record Rebuild(List<String> statements, String strategy) {}

  private Rebuild rebuild(StreamTable st, StreamTableRequest request) throws SQLException {
    try (Connection conn = pipeline.database().connect()) {
      Plan plan =
          pipeline.planRuntime(
              conn, st.name(), st.query(), request.mode(), st.budget(), request.schedule());
      if (StreamTableRegistry.hiddenColumns(conn, st.name()).equals(plan.sql().hiddenColumns())) {
        return new Rebuild(List.of(), st.strategy().name());
      }
      List<String> statements = new java.util.ArrayList<>();
      statements.add("DROP TABLE " + st.name().quoted());
      statements.addAll(plan.sql().createStorage());
      statements.addAll(plan.sql().fullRefresh());
      return new Rebuild(statements, plan.sql().strategy().name());
    }
  }

  /**
   * The status an alter asks for: {@code ACTIVE} or {@code SUSPENDED} (any case), or null to keep
   * it.
   */
  private static String status(JsonNode args) {
    String status = text(args, "status");
    if (status == null) {
      return null;
    }
    String upper = status.trim().toUpperCase(java.util.Locale.ROOT);
    if (!upper.equals("ACTIVE") && !upper.equals(CatalogStore.SUSPENDED)) {
      throw new UserError(
          "stream table "
              + StreamTableRequest.parseName(text(args, "name"))
              + ": status: \""
              + status
              + "\" is not ACTIVE or SUSPENDED");
    }
    return upper;
  }

  /** An alter request: the stream table's settings with those the call gives. */
  private static StreamTableRequest alterRequest(StreamTable st, JsonNode args) {
    String schedule = text(args, "schedule");
    String mode = text(args, "refresh_mode");
    return StreamTableRequest.parse(
        st.name().toString(),
        st.query(),
        schedule == null ? dev.trickle.config.Durations.format(st.schedule()) : schedule,
        mode == null ? st.mode().name() : mode,
        null,
        null,
        null,
        st.schedule());
  }

  /**
   * Does the calls queued while the service was not running ({@code pgtrickle.pgt_queued_calls}),
   * in order: each done is removed; one that fails keeps its error there and in the log.
   */
  void runQueued() {
    Map<Long, String[]> calls = new LinkedHashMap<>();
    try (Connection conn = pipeline.database().connect();
        java.sql.Statement s = conn.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT call_id, op, args::text FROM pgtrickle.pgt_queued_calls WHERE error IS NULL"
                    + " ORDER BY call_id")) {
      while (rs.next()) {
        calls.put(rs.getLong(1), new String[] {rs.getString(2), rs.getString(3)});
      }
    } catch (SQLException e) {
      log.warn("cannot read the queued SQL calls: {}", e.getMessage());
      return;
    }
    for (Map.Entry<Long, String[]> call : calls.entrySet()) {
      String op = call.getValue()[0];
      String error = null;
      try {
        runQueued(op, JSON.readTree(call.getValue()[1]));
        log.info("did the queued call pgtrickle.{}({})", op, call.getValue()[1]);
      } catch (UserError e) {
        error = e.getMessage();
      } catch (Exception e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        error = "the service failed: " + m.lines().findFirst().orElse(m);
      }
      if (error != null) {
        log.warn("the queued call pgtrickle.{} failed: {}", op, error);
      }
      try (Connection conn = pipeline.database().connect();
          PreparedStatement ps =
              conn.prepareStatement(
                  error == null
                      ? "DELETE FROM pgtrickle.pgt_queued_calls WHERE call_id = ?"
                      : "UPDATE pgtrickle.pgt_queued_calls SET error = ? WHERE call_id = ?")) {
        if (error == null) {
          ps.setLong(1, call.getKey());
        } else {
          ps.setString(1, error);
          ps.setLong(2, call.getKey());
        }
        ps.executeUpdate();
      } catch (SQLException e) {
        log.warn("cannot record the queued call {}: {}", call.getKey(), e.getMessage());
      }
    }
  }

  private void runQueued(String op, JsonNode args) throws Exception {
    switch (op) {
      case "create_stream_table" -> {
        StreamTableRequest request = createRequest(args);
        try (Connection conn = pipeline.database().connect()) {
          Optional<StreamTableRow> row = CatalogStore.find(conn, request.name());
          if (row.isPresent() && row.get().query().equals(request.query())) {
            return; // done before a restart that came before its removal
          }
        }
        pipeline.admin().create(request, "sql");
      }
      case "alter_stream_table" -> {
        StreamTable st = maintained(text(args, "name"));
        StreamTableRequest request = alterRequest(st, args);
        String status = status(args);
        Rebuild rebuild = rebuild(st, request);
        pipeline.forget(st);
        try (Connection conn = pipeline.database().connect()) {
          conn.setAutoCommit(false);
          try (java.sql.Statement s = conn.createStatement()) {
            for (String sql : rebuild.statements()) {
              s.execute(sql);
            }
            CatalogStore.updateSettings(
                conn, st.id(), request.schedule(), request.mode().name(), st.budget());
            CatalogStore.forgetFrontier(conn, st.id());
            CatalogStore.setStrategy(conn, st.id(), rebuild.strategy());
            if (status != null) {
              CatalogStore.setStatus(conn, st.id(), status);
            }
            conn.commit();
          } catch (SQLException | RuntimeException e) {
            conn.rollback();
            throw e;
          }
        }
        Optional<StreamTableRow> row = findById(st.id());
        if (row.isPresent()) {
          pipeline.adoptRow(row.get());
        }
      }
      case "drop_stream_table" ->
          pipeline.admin().drop(StreamTableRequest.parseName(text(args, "name")), false);
      case "refresh_stream_table" -> {
        TableRef name = StreamTableRequest.parseName(text(args, "name"));
        ensureAdopted(name);
        pipeline.admin().refresh(name);
      }
      default -> throw new UserError("unknown queued call " + op);
    }
  }

  private static final com.fasterxml.jackson.databind.ObjectMapper JSON =
      new com.fasterxml.jackson.databind.ObjectMapper();

  /** Takes up a stream table the catalog now holds (after a caller's commit), unless it does. */
  void adopt(JsonNode args) {
    long id = args.path("id").asLong(-1);
    paused.remove(id);
    if (pipeline.streamTables().stream().anyMatch(t -> t.id() == id)) {
      return;
    }
    try {
      Optional<StreamTableRow> row = findById(id);
      if (row.isEmpty()) {
        return; // dropped again since
      }
      pipeline.adoptRow(row.get());
    } catch (SQLException | RuntimeException e) {
      log.warn("cannot take up stream table {} created in SQL: {}", id, e.getMessage());
    }
  }

  /**
   * Applies an alter that changed only the schedule or the mode, told at the caller's commit: the
   * stream table goes on with its frontier and buffered changes.
   */
  void altered(JsonNode args) {
    long id = args.path("id").asLong(-1);
    try {
      Optional<StreamTableRow> row = findById(id);
      Optional<StreamTable> current =
          pipeline.streamTables().stream().filter(t -> t.id() == id).findFirst();
      if (row.isEmpty() || current.isEmpty()) {
        return;
      }
      StreamTable st = current.get();
      pipeline.replace(
          new StreamTable(
              st.id(),
              st.name(),
              st.query(),
              dev.trickle.config.RefreshMode.parse(row.get().refreshMode()),
              st.budget(),
              row.get().schedule(),
              st.sources(),
              st.sourceRows(),
              st.strategy(),
              st.templateVersion(),
              st.sourceSchema()));
      log.info(
          "{} now refreshes every {} ({})",
          st.name(),
          dev.trickle.config.Durations.format(row.get().schedule()),
          row.get().refreshMode());
    } catch (SQLException | RuntimeException e) {
      log.warn("cannot apply the alter of stream table {}: {}", id, e.getMessage());
    }
  }

  /** Resolves paused stream tables whose caller's transaction has ended. */
  void checkPaused(Connection conn) throws SQLException {
    for (Map.Entry<Long, String> e : List.copyOf(paused.entrySet())) {
      try (PreparedStatement ps = conn.prepareStatement("SELECT pg_xact_status(?::xid8)")) {
        ps.setString(1, e.getValue());
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          String status = rs.getString(1);
          if (status == null || status.equals("in progress")) {
            continue;
          }
        }
      }
      paused.remove(e.getKey());
      Optional<StreamTableRow> row = findById(e.getKey());
      if (row.isPresent()) {
        log.info("taking up {} again as the catalog now has it", row.get().name());
        pipeline.adoptRow(row.get());
      } else {
        log.info("stream table {} was dropped in SQL", e.getKey());
      }
    }
  }

  private void pause(StreamTable st, JsonNode args) {
    String xid = text(args, "xid");
    if (xid == null) {
      throw new UserError("the request names no transaction");
    }
    paused.put(st.id(), xid);
    pipeline.forget(st);
  }

  /**
   * Takes up a stream table created in SQL whose commit the service has not yet heard of (the
   * caller may ask about it at once), if the catalog holds it for this pipeline.
   */
  void ensureAdopted(TableRef ref) throws SQLException {
    if (pipeline.streamTables().stream().anyMatch(t -> t.name().equals(ref))) {
      return;
    }
    try (Connection conn = pipeline.database().connect()) {
      Optional<StreamTableRow> row = CatalogStore.find(conn, ref);
      if (row.isPresent()
          && row.get().isRuntime()
          && row.get().slot().equals(pipeline.config().cdc().slot())
          && !paused.containsKey(row.get().id())) {
        pipeline.adoptRow(row.get());
      }
    }
  }

  /**
   * Whether a request naming this stream table is another pipeline's to answer: the catalog has it
   * for another replication slot.
   */
  boolean othersToAnswer(String name) throws SQLException {
    TableRef ref = StreamTableRequest.parseName(name == null ? "" : name);
    try (Connection conn = pipeline.database().connect()) {
      return CatalogStore.find(conn, ref)
          .map(r -> !r.slot().equals(pipeline.config().cdc().slot()))
          .orElse(false);
    }
  }

  private StreamTable maintained(String name) throws SQLException {
    TableRef ref = StreamTableRequest.parseName(name == null ? "" : name);
    ensureAdopted(ref);
    return pipeline.streamTables().stream()
        .filter(t -> t.name().equals(ref))
        .findFirst()
        .orElseThrow(
            () -> new UserError("stream table " + ref + " does not exist in this pipeline"));
  }

  private Optional<StreamTableRow> findById(long id) throws SQLException {
    try (Connection conn = pipeline.database().connect()) {
      return CatalogStore.findById(conn, id);
    }
  }

  private static String text(JsonNode args, String key) {
    JsonNode v = args.get(key);
    return v == null || v.isNull() ? null : v.asText();
  }
}
