package dev.trickle.service;

import dev.trickle.catalog.CatalogStore;
import dev.trickle.catalog.Migrations;
import dev.trickle.catalog.StreamTableRow;
import dev.trickle.cdc.ChangeRouter;
import dev.trickle.cdc.ChangeStore;
import dev.trickle.cdc.FenceRegistry;
import dev.trickle.cdc.ReplicationSource;
import dev.trickle.config.CdcSettings;
import dev.trickle.config.PipelineConfig;
import dev.trickle.config.StreamTableSpec;
import dev.trickle.dvm.RefreshSqlBuilder;
import dev.trickle.dvm.ShapeParser;
import dev.trickle.model.Lsn;
import dev.trickle.model.Strategy;
import dev.trickle.model.TableRef;
import dev.trickle.model.UserError;
import dev.trickle.observe.Metrics;
import dev.trickle.refresh.FenceEmitter;
import dev.trickle.refresh.RefreshExecutor;
import dev.trickle.refresh.StreamTable;
import dev.trickle.scheduler.Scheduler;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;

/**
 * One pipeline: a database, a slot and publication, and the stream tables of its YAML files. {@link
 * #start()} migrates the catalog, validates and plans every stream table (failing once, naming
 * every problem), prepares the slot and publication, creates new stream tables, starts streaming
 * and scheduling; {@link #close()} drains in-flight refreshes and confirms the slot.
 */
public final class Pipeline implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Pipeline.class);

  private final PipelineConfig config;
  private final Database db;
  private final Metrics metrics;
  private final ChangeStore store = new ChangeStore();
  private final FenceRegistry fences = new FenceRegistry();
  private final ScheduledExecutorService keeper =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "trickle-slot-keeper");
            t.setDaemon(true);
            return t;
          });
  private final List<StreamTable> tables = new ArrayList<>();
  private volatile long catalogOkAtNanos;
  private ReplicationSource source;
  private Disposable subscription;
  private RefreshExecutor executor;
  private FenceEmitter fenceEmitter;
  private Scheduler scheduler;
  private Lsn savedPosition = Lsn.ZERO;
  private long lastRecordNanos;
  private long absorbedAtLastRecord;
  private Lsn ownRecordEnd = Lsn.ZERO;

  /** Status of a registered stream table that the configuration no longer lists. */
  static final String DETACHED = "DETACHED";

  /** Least time between two records of an idle pipeline. */
  static final Duration IDLE_RECORD_INTERVAL = Duration.ofSeconds(2);

  /** WAL written by one position record (with its commit), which alone never prompts another. */
  static final long OWN_WRITE_SLACK_BYTES = 4096;

  /**
   * Creates the pipeline; nothing connects until {@link #start()}.
   *
   * @param config the loaded configuration
   * @param metrics where to publish metrics
   */
  public Pipeline(PipelineConfig config, Metrics metrics) {
    this.config = config;
    this.db = new Database(config.database());
    this.metrics = metrics;
  }

  /**
   * Checks every stream table against the database without changing anything.
   *
   * @return the plans
   * @throws UserError listing every problem, one per line
   * @throws SQLException when the database cannot be reached
   */
  public List<Plan> validate() throws SQLException {
    try (Connection conn = db.connect()) {
      Map<TableRef, StreamTableRow> existing = new HashMap<>();
      if (catalogExists(conn)) {
        for (StreamTableRow r : CatalogStore.listAll(conn)) {
          existing.put(r.name(), r);
        }
      }
      return plan(conn, existing);
    }
  }

  private List<Plan> plan(Connection conn, Map<TableRef, StreamTableRow> existing)
      throws SQLException {
    if (!"pgoutput".equals(config.cdc().source())) {
      throw new UserError(
          config.files().get(0)
              + ": cdc.source: "
              + config.cdc().source()
              + " is not available yet; use pgoutput");
    }
    List<Plan> plans = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    boolean identityFull = config.settings().cdc().setReplicaIdentityFull();
    for (StreamTableSpec spec : config.streamTables()) {
      TableRef name = new TableRef(spec.schema(), spec.table());
      StreamTableRow registered = existing.get(name);
      if (registered != null) {
        String owner = CatalogStore.slotOf(conn, registered.id());
        if (!config.cdc().slot().equals(owner)) {
          problems.add(
              spec.file()
                  + ":"
                  + spec.line()
                  + ": stream table "
                  + name
                  + " is maintained by the pipeline of slot "
                  + owner
                  + "; a stream table belongs to one pipeline");
          continue;
        }
      }
      try {
        Plan p =
            StreamTablePlanner.plan(
                conn,
                name,
                spec.query(),
                spec.effectiveRefreshMode(),
                spec.presetIfAny().map(x -> x.yamlName()).orElse(null),
                spec.effectiveSchedule(config.settings()),
                identityFull,
                existing.containsKey(name));
        p.warnings().forEach(w -> log.warn("{}", w));
        plans.add(p);
      } catch (UserError e) {
        problems.add(spec.file() + ":" + spec.line() + ": " + e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      throw new UserError(String.join("\n", problems));
    }
    return plans;
  }

  /**
   * Starts the pipeline.
   *
   * @throws UserError when the configuration does not fit the database
   * @throws SQLException on database failures
   */
  public void start() throws SQLException {
    CdcSettings cdc = config.settings().cdc();
    String slot = config.cdc().slot();
    String publication = config.cdc().publication();
    Map<TableRef, StreamTableRow> existing = new HashMap<>();
    try (Connection conn = db.connect()) {
      if (catalogExists(conn)) {
        for (StreamTableRow r : CatalogStore.listAll(conn)) {
          existing.put(r.name(), r);
        }
      }
      List<Plan> plans = plan(conn, existing);
      Migrations.migrate(conn);
      ensurePublication(conn, publication);
      ensureSlot(conn, slot, publication);
      existing.clear();
      for (StreamTableRow r : CatalogStore.listAll(conn)) {
        existing.put(r.name(), r);
      }
      boolean published = false;
      for (Plan p : plans) {
        published |= prepareSources(conn, p, publication);
      }
      if (published) {
        waitForOlderTransactions(conn);
      }
      Set<TableRef> configured = new java.util.HashSet<>();
      for (Plan p : plans) {
        tables.add(createOrResume(conn, p, existing.get(p.name()), slot));
        configured.add(p.name());
      }
      detachUnconfigured(conn, existing.values(), configured, slot);
      savedPosition = CatalogStore.slotPosition(conn, slot).orElse(Lsn.ZERO);
    }
    catalogOkAtNanos = System.nanoTime();
    fenceEmitter = new FenceEmitter(() -> db.connectUnchecked("trickle-fence"));
    executor =
        new RefreshExecutor(
            db::connectR2dbc,
            store,
            fences,
            fenceEmitter,
            metrics,
            cdc.fenceTimeout(),
            config.settings().dvm().mergeWorkMemMb(),
            config.settings().dvm().differentialMaxChangeRatio());
    scheduler =
        new Scheduler(
            store,
            executor,
            config.settings().scheduler().maxWorkers(),
            (long) cdc.bufferMaxMb() * 1024 * 1024,
            this::failed);
    try (Connection conn = db.connect()) {
      for (StreamTable st : tables) {
        StreamTableRow row = CatalogStore.find(conn, st.name()).orElseThrow();
        store.register(st.id(), Set.copyOf(st.sources()), row.frontier());
        scheduler.add(st, row.frontier() == null ? "initial_fill" : null);
      }
    }
    source =
        new ReplicationSource(
            db.jdbcUrl(),
            db.properties(),
            slot,
            publication,
            cdc.statusInterval(),
            cdc.reconnectBackoffMax(),
            () -> fences.hasWaiting() ? 0 : store.bytes(),
            (long) cdc.bufferMaxMb() * 1024 * 1024,
            store::noteIdlePosition);
    subscription =
        new ChangeRouter(store, fences)
            .route(source.transactions())
            .subscribe(tx -> {}, e -> log.error("replication stream ended: {}", e.getMessage()));
    metrics.gauge(
        "pg_trickle.replication.lag.bytes",
        "WAL bytes between the server's last reported position and the position Trickle confirmed",
        () -> Math.max(0, source.lastReceived().value() - savedPosition.value()));
    metrics.gauge(
        "pg_trickle.pending.transactions",
        "Source transactions some stream table has not absorbed yet",
        store::pendingTransactions);
    metrics.gauge("pg_trickle.buffer.bytes", "Approximate bytes of buffered changes", store::bytes);
    metrics.gauge("pg_trickle.workers.active", "Refresh workers busy", scheduler::activeWorkers);
    long every = Math.min(1000, cdc.statusInterval().toMillis());
    var unusedKeeper =
        keeper.scheduleWithFixedDelay(
            () -> keepSlot(slot, publication, false), every, every, TimeUnit.MILLISECONDS);
    scheduler.start();
    log.info(
        "pipeline started: {} stream table(s), slot {}, publication {}",
        tables.size(),
        slot,
        publication);
  }

  /** Whether replication is streaming, the catalog answers and every stream table is filled. */
  public boolean isReady() {
    return notReadyReason().isEmpty();
  }

  /** Why the pipeline is not ready, or empty. Checks the catalog when not seen lately. */
  public Optional<String> notReadyReason() {
    if (source == null || !source.isStreaming()) {
      return Optional.of("replication is not streaming");
    }
    if (System.nanoTime() - catalogOkAtNanos >= Duration.ofSeconds(5).toNanos()) {
      try (Connection conn = db.connect();
          Statement st = conn.createStatement()) {
        st.execute("SELECT 1 FROM pgtrickle.pgt_stream_tables LIMIT 1");
        catalogOkAtNanos = System.nanoTime();
      } catch (SQLException e) {
        return Optional.of("catalog not reachable: " + e.getMessage());
      }
    }
    if (!scheduler.allFilled()) {
      return Optional.of("initial fill in progress");
    }
    return Optional.empty();
  }

  /** The database connection factory. */
  public Database database() {
    return db;
  }

  /** The stream tables this pipeline maintains. */
  public List<StreamTable> streamTables() {
    return List.copyOf(tables);
  }

  /**
   * Records and confirms the slot position. Trickle tells the server only positions it has first
   * recorded in {@code pgtrickle.pgt_slots}, so a slot found ahead of the record at start-up was
   * moved by someone else. Records are written when a refresh let the position advance, and at idle
   * at most every {@link #IDLE_RECORD_INTERVAL} (each record is itself a little WAL, which must not
   * feed a loop of writes on an idle server).
   */
  private void keepSlot(String slot, String publication, boolean force) {
    Lsn target = store.confirmable();
    if (!target.isAfter(savedPosition)) {
      return;
    }
    long now = System.nanoTime();
    boolean refreshed = absorbedSinceRecord();
    boolean othersWrote = target.value() > ownRecordEnd.value() + OWN_WRITE_SLACK_BYTES;
    if (!force
        && !refreshed
        && (!othersWrote || now - lastRecordNanos < IDLE_RECORD_INTERVAL.toNanos())) {
      return;
    }
    try (Connection conn = db.connect()) {
      ownRecordEnd = CatalogStore.saveSlotPosition(conn, slot, publication, target);
      savedPosition = target;
      lastRecordNanos = now;
      absorbedAtLastRecord = store.absorbedCount();
      source.confirm(target);
      catalogOkAtNanos = System.nanoTime();
    } catch (SQLException | RuntimeException e) {
      log.warn("cannot record the slot position: {}", e.getMessage());
    }
  }

  private boolean absorbedSinceRecord() {
    return store.absorbedCount() != absorbedAtLastRecord;
  }

  private int failed(StreamTable st, Exception error) {
    String message = error.getMessage() == null ? error.toString() : error.getMessage();
    message = message.lines().findFirst().orElse(message);
    log.error("refresh of {} failed: {}", st.name(), message);
    try (Connection conn = db.connect()) {
      CatalogStore.recordError(conn, st.id(), message);
      try (PreparedStatement ps =
          conn.prepareStatement(
              "INSERT INTO pgtrickle.pgt_refresh_history (pgt_id, stream_table, started_at, mode,"
                  + " status, reason_code, error) VALUES (?, ?, now(), 'NONE', 'ERROR',"
                  + " 'refresh_failed', ?)")) {
        ps.setLong(1, st.id());
        ps.setString(2, st.name().toString());
        ps.setString(3, message);
        ps.executeUpdate();
      }
      try (PreparedStatement ps =
          conn.prepareStatement(
              "SELECT consecutive_errors FROM pgtrickle.pgt_stream_tables WHERE pgt_id = ?")) {
        ps.setLong(1, st.id());
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? rs.getInt(1) : 1;
        }
      }
    } catch (SQLException e) {
      log.warn("cannot record the failure of {}: {}", st.name(), e.getMessage());
      return 1;
    }
  }

  private static boolean catalogExists(Connection conn) throws SQLException {
    try (Statement st = conn.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT to_regclass('pgtrickle.pgt_stream_tables') IS NOT NULL")) {
      rs.next();
      return rs.getBoolean(1);
    }
  }

  private static void ensurePublication(Connection conn, String publication) throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement("SELECT pubviaroot FROM pg_publication WHERE pubname = ?")) {
      ps.setString(1, publication);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          if (!rs.getBoolean(1)) {
            try (Statement st = conn.createStatement()) {
              st.execute(
                  "ALTER PUBLICATION "
                      + TableRef.quoteIdent(publication)
                      + " SET (publish_via_partition_root = true)");
            }
            log.info("set publish_via_partition_root on publication {}", publication);
          }
          return;
        }
      }
    }
    try (Statement st = conn.createStatement()) {
      // changes of partitions arrive under the partitioned table's name, as stream tables read it
      st.execute(
          "CREATE PUBLICATION "
              + TableRef.quoteIdent(publication)
              + " WITH (publish_via_partition_root = true)");
    }
    log.info("created publication {}", publication);
  }

  private void ensureSlot(Connection conn, String slot, String publication) throws SQLException {
    Optional<Lsn> recorded = CatalogStore.slotPosition(conn, slot);
    Lsn confirmed = null;
    try (PreparedStatement ps =
        conn.prepareStatement(
            "SELECT confirmed_flush_lsn::text, plugin, database = current_database() FROM"
                + " pg_replication_slots WHERE slot_name = ?")) {
      ps.setString(1, slot);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          if (!"pgoutput".equals(rs.getString(2)) || !rs.getBoolean(3)) {
            throw new UserError(
                "replication slot "
                    + slot
                    + " belongs to another database or plugin; choose another cdc.slot");
          }
          confirmed = rs.getString(1) == null ? Lsn.ZERO : Lsn.parse(rs.getString(1));
        }
      }
    }
    if (confirmed == null) {
      try (PreparedStatement ps =
          conn.prepareStatement(
              "SELECT lsn::text FROM pg_create_logical_replication_slot(?, 'pgoutput')")) {
        ps.setString(1, slot);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          confirmed = Lsn.parse(rs.getString(1));
        }
      }
      log.info("created replication slot {} at {}", slot, confirmed);
      if (recorded.isPresent()) {
        resnapshot(
            conn, slot, "replication slot " + slot + " had disappeared and was created again");
      }
    } else if (recorded.isPresent() && confirmed.isAfter(recorded.get())) {
      resnapshot(
          conn,
          slot,
          "replication slot "
              + slot
              + " is at "
              + confirmed
              + " but Trickle confirmed only "
              + recorded.get()
              + " (dropped and recreated, or advanced by someone else)");
    }
    if (recorded.isPresent()) {
      CatalogStore.resetSlotPosition(conn, slot, confirmed);
    } else {
      CatalogStore.saveSlotPosition(conn, slot, publication, confirmed);
    }
  }

  private static void resnapshot(Connection conn, String slot, String why) throws SQLException {
    int n = CatalogStore.forgetFrontiers(conn, slot);
    log.warn(
        "{}: changes may have been missed, so {} stream table(s) will be filled again", why, n);
  }

  private boolean prepareSources(Connection conn, Plan p, String publication) throws SQLException {
    for (TableRef t : p.needsReplicaIdentityFull()) {
      try (Statement st = conn.createStatement()) {
        st.execute("ALTER TABLE " + t.quoted() + " REPLICA IDENTITY FULL");
      }
      log.info(
          "set REPLICA IDENTITY FULL on {} (stream table {} needs old row images)", t, p.name());
    }
    boolean added = false;
    for (TableRef t : new LinkedHashSet<>(p.sources())) {
      try (PreparedStatement ps =
          conn.prepareStatement(
              "SELECT 1 FROM pg_publication_tables WHERE pubname = ? AND schemaname = ? AND"
                  + " tablename = ?")) {
        ps.setString(1, publication);
        ps.setString(2, t.schema());
        ps.setString(3, t.name());
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            continue;
          }
        }
      }
      try (Statement st = conn.createStatement()) {
        st.execute(
            "ALTER PUBLICATION " + TableRef.quoteIdent(publication) + " ADD TABLE " + t.quoted());
      }
      log.info("added {} to publication {}", t, publication);
      added = true;
    }
    return added;
  }

  /**
   * Waits until every transaction that was running when sources were added to the publication has
   * ended, so that none of their changes escape both the first snapshot and the stream (as CREATE
   * INDEX CONCURRENTLY waits out older transactions).
   */
  private static void waitForOlderTransactions(Connection conn) throws SQLException {
    long horizon;
    try (Statement st = conn.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")) {
      rs.next();
      horizon = rs.getLong(1);
    }
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (System.nanoTime() < deadline) {
      try (Statement st = conn.createStatement();
          ResultSet rs =
              st.executeQuery("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")) {
        rs.next();
        if (rs.getLong(1) >= horizon) {
          return;
        }
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new IllegalStateException(
        "transactions older than the publication change are still running after 10 minutes");
  }

  private StreamTable createOrResume(Connection conn, Plan p, StreamTableRow row, String slot)
      throws SQLException {
    if (row != null && !row.query().equals(p.query())) {
      log.info("query of {} changed; recreating it", p.name());
      conn.setAutoCommit(false);
      try (Statement st = conn.createStatement()) {
        st.execute("DROP TABLE IF EXISTS " + p.name().quoted());
        CatalogStore.delete(conn, row.id());
        conn.commit();
      } finally {
        conn.setAutoCommit(true);
      }
      row = null;
    }
    long id;
    if (row == null) {
      conn.setAutoCommit(false);
      try (Statement st = conn.createStatement()) {
        for (String s : p.sql().createStorage()) {
          st.execute(s);
        }
        id =
            CatalogStore.insert(
                conn,
                p.name(),
                p.query(),
                p.schedule(),
                p.mode().name(),
                p.preset(),
                p.sql().strategy(),
                slot);
        conn.commit();
      } catch (SQLException | RuntimeException e) {
        conn.rollback();
        throw e;
      } finally {
        conn.setAutoCommit(true);
      }
      log.info("created stream table {} ({}, {})", p.name(), p.mode(), p.sql().strategy());
    } else {
      id = row.id();
      CatalogStore.updateSettings(conn, id, p.schedule(), p.mode().name(), p.preset());
      if (DETACHED.equals(row.status())) {
        log.info(
            "{} is configured again; filling it again (changes were not followed while it was detached)",
            p.name());
        CatalogStore.forgetFrontier(conn, id);
      }
    }
    Strategy strategy = p.sql().strategy();
    var shape = ShapeParser.analyse(p.query(), p.probe());
    var sql =
        RefreshSqlBuilder.build(
            id,
            p.name(),
            p.query(),
            p.probe().columns(),
            strategy,
            strategy == Strategy.FULL_ONLY ? null : shape.shape(),
            strategy == Strategy.FULL_ONLY ? null : p.probe().sources().get(0));
    long sourceRows =
        p.probe().sources().size() == 1 ? p.probe().sources().get(0).estimatedRows() : -1;
    return new StreamTable(
        id, p.name(), p.query(), p.mode(), p.preset(), p.schedule(), p.sources(), sourceRows, sql);
  }

  /**
   * Marks registered stream tables of this slot that the configuration no longer lists: they keep
   * their contents but are no longer maintained, and are filled again if they come back.
   */
  private static void detachUnconfigured(
      Connection conn,
      java.util.Collection<StreamTableRow> rows,
      Set<TableRef> configured,
      String slot)
      throws SQLException {
    for (StreamTableRow row : rows) {
      if (!configured.contains(row.name())
          && !DETACHED.equals(row.status())
          && slot.equals(CatalogStore.slotOf(conn, row.id()))) {
        CatalogStore.setStatus(conn, row.id(), DETACHED);
        log.warn(
            "stream table {} is registered but not in the configuration: it is no longer"
                + " maintained (status DETACHED); drop the table, or configure it again",
            row.name());
      }
    }
  }

  @Override
  public void close() {
    if (scheduler != null) {
      scheduler.drain(Duration.ofSeconds(30));
    }
    keeper.shutdownNow();
    if (source != null) {
      keepSlot(config.cdc().slot(), config.cdc().publication(), true);
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (subscription != null) {
      subscription.dispose();
    }
    if (source != null) {
      source.close();
    }
    if (executor != null) {
      executor.close();
    }
    if (fenceEmitter != null) {
      fenceEmitter.close();
    }
  }
}
