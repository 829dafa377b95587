package dev.trickle.service;

import dev.trickle.catalog.CatalogStore;
import dev.trickle.catalog.Migrations;
import dev.trickle.catalog.StreamTableRow;
import dev.trickle.cdc.ChangeRouter;
import dev.trickle.cdc.ChangeSource;
import dev.trickle.cdc.ChangeStore;
import dev.trickle.cdc.FenceRegistry;
import dev.trickle.config.CdcSettings;
import dev.trickle.config.PipelineConfig;
import dev.trickle.config.RefreshMode;
import dev.trickle.config.StreamTableSpec;
import dev.trickle.model.Lsn;
import dev.trickle.model.StreamTableGraph;
import dev.trickle.model.TableRef;
import dev.trickle.model.UserError;
import dev.trickle.observe.Metrics;
import dev.trickle.refresh.FenceEmitter;
import dev.trickle.refresh.RefreshExecutor;
import dev.trickle.refresh.StreamTable;
import dev.trickle.refresh.TemplateCache;
import dev.trickle.scheduler.Scheduler;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
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
  private ChangeSource source;
  private Disposable subscription;
  private RefreshExecutor executor;
  private TemplateCache templates;
  private FenceEmitter fenceEmitter;
  private Scheduler scheduler;
  private SlotKeeper slotKeeper;
  private AdvisorLoop advisor;
  private SqlRequestDesk desk;
  private SourceWatch sourceWatch;

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
    List<Plan> plans = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    boolean identityFull = config.settings().cdc().setReplicaIdentityFull();
    DeclaredOrder order = DeclaredOrder.of(config.streamTables(), existing.keySet());
    order.cycle().ifPresent(c -> problems.add(cycleProblem(c)));
    Map<TableRef, Plan> planned = new HashMap<>();
    for (StreamTableSpec spec : order.specs()) {
      TableRef name = new TableRef(spec.schema(), spec.table());
      if (order.inCycle(name)) {
        continue;
      }
      StreamTableRow registered = existing.get(name);
      if (registered != null) {
        String owner = registered.slot();
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
                spec.budget(),
                spec.effectiveSchedule(config.settings()),
                identityFull,
                config.cdc().source(),
                StreamTablePlanner.limits(config.settings()),
                existing.containsKey(name),
                order.prelude(name, planned));
        p.warnings().forEach(w -> log.warn("{}", w));
        plans.add(p);
        planned.put(name, p);
      } catch (UserError e) {
        problems.add(spec.file() + ":" + spec.line() + ": " + e.getMessage());
      }
    }
    Set<TableRef> declared = new java.util.HashSet<>();
    config.streamTables().forEach(t -> declared.add(new TableRef(t.schema(), t.table())));
    for (StreamTableRow row : existing.values()) {
      if (row.isRuntime()
          && config.cdc().slot().equals(row.slot())
          && !declared.contains(row.name())) {
        try {
          plans.add(planRuntime(conn, row));
        } catch (UserError e) {
          problems.add("stream table " + row.name() + " (created at run time): " + e.getMessage());
        }
      }
    }
    if (problems.isEmpty()) {
      // what every stream table would read: the plans, else what the catalog recorded
      Map<TableRef, List<TableRef>> reads = new java.util.LinkedHashMap<>();
      if (catalogExists(conn)) {
        reads.putAll(CatalogStore.sources(conn));
      }
      plans.forEach(p -> reads.put(p.name(), p.sources()));
      new StreamTableGraph(reads).cycle().ifPresent(c -> problems.add(cycleProblem(c)));
    }
    if (!problems.isEmpty()) {
      throw new UserError(String.join("\n", problems));
    }
    return plans;
  }

  private static String cycleProblem(List<TableRef> cycle) {
    return "stream tables "
        + StreamTableGraph.format(cycle)
        + " read each other in a cycle; a stream table may read other stream tables, but not"
        + " itself through them";
  }

  /**
   * Starts the pipeline: first takes the slot's lock ({@link Leadership}), standing by while
   * another instance holds it, then plans, prepares the server and starts streaming. A start that
   * fails releases the lock.
   *
   * @throws UserError when the configuration does not fit the database
   * @throws SQLException on database failures
   */
  public void start() throws SQLException {
    String slotName = config.cdc().slot();
    try {
      leadership =
          Leadership.acquire(
              db,
              slotName,
              holder ->
                  standby =
                      "standing by: another Trickle instance ("
                          + holder
                          + ") streams slot "
                          + slotName
                          + "; this one takes over when it stops",
              () -> closing);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (leadership == null) {
      return; // closed while standing by
    }
    standby = null;
    try {
      startAsLeader();
    } catch (SQLException | RuntimeException e) {
      leadership.close(); // a start that failed must not keep others standing by
      leadership = null;
      throw e;
    }
  }

  private void startAsLeader() throws SQLException {
    CdcSettings cdc = config.settings().cdc();
    String slot = config.cdc().slot();
    String publication = config.cdc().publication();
    Map<TableRef, StreamTableRow> existing = new HashMap<>();
    Lsn recorded;
    try (Connection conn = db.connect()) {
      if (catalogExists(conn)) {
        Migrations.migrate(conn);
        for (StreamTableRow r : CatalogStore.listAll(conn)) {
          existing.put(r.name(), r);
        }
      }
      List<Plan> plans = plan(conn, existing);
      Migrations.migrate(conn);
      ReplicationSetup.ensurePublication(conn, publication);
      ReplicationSetup.ensureSlot(conn, slot, publication)
          .ifPresent(gap -> metrics.slotGap(gap.name().toLowerCase(java.util.Locale.ROOT)));
      existing.clear();
      for (StreamTableRow r : CatalogStore.listAll(conn)) {
        existing.put(r.name(), r);
      }
      boolean published = false;
      for (Plan p : plans) {
        published |= ReplicationSetup.prepareSources(conn, p, publication);
      }
      if (published) {
        ReplicationSetup.waitForOlderTransactions(conn);
      }
      Set<TableRef> configured = new java.util.HashSet<>();
      for (Plan p : plans) {
        StreamTableRow row = existing.get(p.name());
        String origin = row != null && row.isRuntime() ? row.origin() : "config";
        // stream tables it reads that were created just before it are published now
        ReplicationSetup.prepareSources(conn, p, publication);
        tables.add(
            StreamTableRegistry.createOrResume(
                conn, p, row, slot, origin, config.settings().dvm().templateCacheMaxEntries()));
        configured.add(p.name());
      }
      StreamTableRegistry.detachUnconfigured(conn, existing.values(), configured, slot);
      recorded = CatalogStore.slotPosition(conn, slot).orElse(Lsn.ZERO);
    }
    catalogOkAtNanos = System.nanoTime();
    fenceEmitter = new FenceEmitter(() -> db.connectUnchecked("trickle-fence"));
    templates =
        new TemplateCache(
            config.settings().dvm().l1CacheMaxEntries(),
            new TemplateLoader(
                db,
                StreamTablePlanner.limits(config.settings()),
                config.settings().dvm().templateCacheMaxEntries(),
                metrics),
            metrics.registry());
    executor =
        new RefreshExecutor(
            db::connectR2dbc,
            store,
            fences,
            fenceEmitter,
            metrics,
            cdc.fenceTimeout(),
            config.settings().dvm().mergeWorkMemMb(),
            config.settings().dvm().mergePlannerHints(),
            templates,
            config.settings().dvm().differentialMaxChangeRatio(),
            config.settings().scheduler().lockTimeout(),
            config.settings().dvm().mergeBatchSize());
    scheduler =
        new Scheduler(
            store,
            executor,
            config.settings().scheduler(),
            (long) cdc.bufferMaxMb() * 1024 * 1024,
            this::failed,
            this::suspended,
            this::remediated);
    scheduler.onSourceChanges(
        new Scheduler.SourceChanges() {
          @Override
          public Optional<String> check(StreamTable st) {
            return SourceWatch.check(db, st);
          }

          @Override
          public void changed(StreamTable st, String change) {
            sourceChanged(st, change);
          }
        });
    try (Connection conn = db.connect()) {
      for (StreamTable st : tables) {
        StreamTableRow row = CatalogStore.find(conn, st.name()).orElseThrow();
        if (CatalogStore.SUSPENDED.equals(row.status())) {
          log.warn("{} is suspended; `trickle refresh {}` resumes it", st.name(), st.name());
          scheduler.addSuspended(st);
          continue;
        }
        store.register(st.id(), Set.copyOf(st.sources()), row.frontier());
        scheduler.add(st, row.frontier() == null ? "initial_fill" : null);
      }
    }
    tables.forEach(this::watchLag);
    source =
        ChangeSources.of(
            config,
            db,
            () -> fences.hasWaiting() ? 0 : store.bytes(),
            (long) cdc.bufferMaxMb() * 1024 * 1024,
            store::noteIdlePosition);
    slotKeeper =
        new SlotKeeper(
            db,
            store,
            source,
            slot,
            publication,
            recorded,
            () -> catalogOkAtNanos = System.nanoTime());
    SqlControl control = new SqlControl(this);
    desk =
        new SqlRequestDesk(
            db,
            sqlOperations(control),
            Map.of("adopt", control::adopt, "altered", control::altered),
            control::checkPaused);
    source.onRequest(desk::received);
    subscription =
        new ChangeRouter(store, fences)
            .route(source.transactions())
            .subscribe(tx -> {}, e -> log.error("replication stream ended: {}", e.getMessage()));
    metrics.gauge(
        "pg_trickle.replication.lag.bytes",
        "WAL bytes between the server's last reported position and the position Trickle confirmed",
        () -> Math.max(0, source.lastReceived().value() - slotKeeper.savedPosition().value()));
    metrics.gauge(
        "pg_trickle.replication.lag.seconds",
        "Age of the oldest source transaction some stream table has not absorbed (0 when none)",
        () -> store.oldestPendingAgeSeconds(java.time.Instant.now()));
    metrics.gauge(
        "pg_trickle.pending.transactions",
        "Source transactions some stream table has not absorbed yet",
        store::pendingTransactions);
    metrics.gauge("pg_trickle.buffer.bytes", "Approximate bytes of buffered changes", store::bytes);
    metrics.gauge("pg_trickle.workers.active", "Refresh workers busy", scheduler::activeWorkers);
    metrics.gauge(
        "pg_trickle.workers.target",
        "Refresh workers the pool may run now (grows with backpressure, shrinks when idle)",
        scheduler::targetWorkers);
    metrics.gauge(
        "pg_trickle.refresh.queue.depth",
        "Stream tables due for a refresh that are waiting for a free worker",
        scheduler::queueDepth);
    metrics.gauge(
        "pg_trickle.stream_tables.suspended",
        "Stream tables suspended after too many consecutive failed refreshes",
        scheduler::suspendedCount);
    long every = Math.min(1000, cdc.statusInterval().toMillis());
    var unusedKeeper =
        keeper.scheduleWithFixedDelay(
            () -> slotKeeper.keep(false), every, every, TimeUnit.MILLISECONDS);
    LatencyPublisher latency = new LatencyPublisher(db, metrics);
    var unusedLatency =
        keeper.scheduleWithFixedDelay(latency::publish, 1000, 1000, TimeUnit.MILLISECONDS);
    advisor =
        new AdvisorLoop(
            db,
            metrics,
            scheduler,
            store,
            executor,
            this::streamTables,
            slotKeeper::savedPosition,
            config.settings());
    var unusedAdvisor =
        keeper.scheduleWithFixedDelay(advisor::run, 1000, 1000, TimeUnit.MILLISECONDS);
    long check = Leadership.CHECK.toMillis();
    var unusedLock =
        keeper.scheduleWithFixedDelay(this::checkLeadership, check, check, TimeUnit.MILLISECONDS);
    sourceWatch = new SourceWatch(db, scheduler, this::streamTables);
    var unusedWatch =
        keeper.scheduleWithFixedDelay(sourceWatch::run, 1000, 1000, TimeUnit.MILLISECONDS);
    scheduler.start();
    desk.start();
    Thread queued = new Thread(control::runQueued, "trickle-queued-sql-calls");
    queued.setDaemon(true);
    queued.start();
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

  private volatile Leadership leadership;
  private volatile String standby;
  private volatile boolean closing;
  private volatile Runnable leadershipLost = () -> {};

  /**
   * Sets what to do once this instance has stopped because another one took the slot's lock after
   * this one's lock connection broke (the run command exits, so that a supervisor starts it again
   * to stand by).
   *
   * @param action run after the pipeline has closed
   */
  public void onLeadershipLost(Runnable action) {
    leadershipLost = action;
  }

  /** Checks the slot lock; stops the pipeline when another instance holds it now. */
  private void checkLeadership() {
    Leadership held = leadership;
    if (held == null || closing || held.check() != Leadership.Standing.LOST) {
      return;
    }
    standby =
        "stopped: this instance's connection holding slot "
            + config.cdc().slot()
            + "'s lock broke and another Trickle instance ("
            + held.lostTo()
            + ") holds the lock now";
    // not on this thread: closing waits for the keeper's threads to end
    Thread stop =
        new Thread(
            () -> {
              close();
              leadershipLost.run();
            },
            "trickle-step-down");
    stop.start();
  }

  private static final String SLOT_LOST =
      "the replication slot was invalidated by the server (wal_status lost, max_slot_wal_keep_size):"
          + " changes were lost; restart Trickle to create it again and fill its stream tables";

  private volatile boolean slotLostLogged;

  /** Whether the server has invalidated the slot (checked only while not streaming). */
  private boolean slotInvalidated() {
    try (Connection conn = db.connect();
        PreparedStatement ps =
            conn.prepareStatement(
                "SELECT wal_status = 'lost' FROM pg_replication_slots WHERE slot_name = ?")) {
      ps.setString(1, config.cdc().slot());
      try (ResultSet rs = ps.executeQuery()) {
        boolean lost = rs.next() && rs.getBoolean(1);
        if (lost && !slotLostLogged) {
          slotLostLogged = true;
          log.error("replication slot {}: {}", config.cdc().slot(), SLOT_LOST);
        }
        return lost;
      }
    } catch (SQLException e) {
      return false;
    }
  }

  /** Whether {@link #start} has finished (false while standing by for another instance). */
  public boolean isStarted() {
    return leadership != null && scheduler != null && source != null;
  }

  /**
   * Why the pipeline is not ready, or empty: standing by for another instance, not streaming, the
   * catalog not reachable (checked when not seen lately: this may block on the network, so never
   * call it on an event loop), an initial fill in progress, or a stream table lagging more than
   * {@code pg_trickle.ready_max_lag}.
   */
  public Optional<String> notReadyReason() {
    String waiting = standby;
    if (waiting != null) {
      return Optional.of(waiting);
    }
    if (source == null || !source.isStreaming()) {
      return Optional.of(slotInvalidated() ? SLOT_LOST : "replication is not streaming");
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
    Map<String, ReadyLag.Waiting> lag = new HashMap<>();
    for (StreamTable st : streamTables()) {
      lag.put(
          st.name().toString(),
          new ReadyLag.Waiting(scheduler.lagMillis(st.id()), st.schedule().toMillis()));
    }
    return ReadyLag.reason(config.settings().monitoring().readyMaxLag(), lag);
  }

  /**
   * The configuration advisor's latest recommendations (what {@code
   * pgtrickle.tune_recommendations()} returns once published, within about a second).
   */
  public List<dev.trickle.advisor.Recommendation> recommendations() {
    return advisor == null ? List.of() : advisor.current();
  }

  /** What the SQL functions of schema {@code pgtrickle} may ask (catalog V8). */
  private Map<String, SqlRequestDesk.Operation> sqlOperations(SqlControl control) {
    return Map.of(
        "plan_create",
        control::planCreate,
        "plan_drop",
        control::planDrop,
        "plan_alter",
        control::planAlter,
        "preview",
        args -> {
          String query = args.path("query").asText("");
          if (query.isBlank()) {
            throw new dev.trickle.model.UserError("query is required");
          }
          return admin().preview(query).asMap();
        },
        "refresh",
        args -> {
          if (control.othersToAnswer(args.path("name").asText(""))) {
            return SqlRequestDesk.NOT_MINE;
          }
          var name = StreamTableRequest.parseName(args.path("name").asText(""));
          control.ensureAdopted(name);
          var o = admin().refresh(name);
          Map<String, Object> m = new java.util.LinkedHashMap<>();
          m.put("name", name.toString());
          m.put("applied", o.applied());
          m.put("mode", o.mode().name());
          m.put("reason_code", o.reasonCode());
          return m;
        });
  }

  /** The database connection factory. */
  public Database database() {
    return db;
  }

  /** The stream tables this pipeline maintains. */
  public List<StreamTable> streamTables() {
    synchronized (tables) {
      return List.copyOf(tables);
    }
  }

  /** Runtime operations: create, drop, refresh now, preview. */
  public StreamTableAdmin admin() {
    return new StreamTableAdmin(this);
  }

  /** The configuration the pipeline runs. */
  public PipelineConfig config() {
    return config;
  }

  Scheduler scheduler() {
    return scheduler;
  }

  /** Starts maintaining a stream table created at run time; it is filled first. */
  void adopt(StreamTable st) {
    store.register(st.id(), Set.copyOf(st.sources()), null);
    synchronized (tables) {
      tables.add(st);
    }
    scheduler.add(st, "initial_fill");
    watchLag(st);
  }

  /**
   * Plans a stream table created at run time (HTTP API, CLI, SQL) with this pipeline's settings, in
   * a rolled-back transaction: the same checks and errors as at start-up.
   */
  Plan planRuntime(
      Connection conn,
      TableRef name,
      String query,
      RefreshMode mode,
      dev.trickle.config.ResourceBudget budget,
      Duration schedule)
      throws SQLException {
    return StreamTablePlanner.plan(
        conn,
        name,
        query,
        mode,
        budget,
        schedule,
        config.settings().cdc().setReplicaIdentityFull(),
        config.cdc().source(),
        StreamTablePlanner.limits(config.settings()),
        CatalogStore.find(conn, name).isPresent(),
        List.of());
  }

  /** Plans a registered stream table as its catalog row describes it. */
  Plan planRuntime(Connection conn, StreamTableRow row) throws SQLException {
    return planRuntime(
        conn,
        row.name(),
        row.query(),
        RefreshMode.parse(row.refreshMode()),
        row.budget(),
        row.schedule());
  }

  /**
   * Changes a maintained stream table's schedule and refresh mode in place (same storage, same
   * frontier, buffered changes kept).
   */
  void replace(StreamTable st) {
    synchronized (tables) {
      tables.removeIf(t -> t.id() == st.id());
      tables.add(st);
    }
    scheduler.replace(st);
  }

  /**
   * Starts maintaining a stream table the catalog holds but this pipeline does not (created, or
   * altered, by the SQL functions): planned from its row, its sources published, filled anew.
   */
  synchronized void adoptRow(StreamTableRow row) throws SQLException {
    try (Connection conn = db.connect()) {
      Plan p = planRuntime(conn, row);
      if (ReplicationSetup.prepareSources(conn, p, config.cdc().publication())) {
        ReplicationSetup.waitForOlderTransactions(conn);
      }
      StreamTable st =
          StreamTableRegistry.createOrResume(
              conn,
              p,
              row,
              config.cdc().slot(),
              row.origin(),
              config.settings().dvm().templateCacheMaxEntries());
      synchronized (tables) {
        if (tables.stream().anyMatch(t -> t.id() == st.id())) {
          return;
        }
      }
      if (CatalogStore.SUSPENDED.equals(row.status())) {
        synchronized (tables) {
          tables.add(st);
        }
        scheduler.addSuspended(st);
        watchLag(st);
        log.info(
            "{} is suspended; a refresh or alter_stream_table(status => 'ACTIVE') resumes it",
            st.name());
        return;
      }
      adopt(st);
      log.info("maintaining {} ({}), created or changed in SQL", st.name(), st.mode());
    }
  }

  private final Map<Long, List<io.micrometer.core.instrument.Meter.Id>> streamTableGauges =
      new java.util.concurrent.ConcurrentHashMap<>();

  private void watchLag(StreamTable st) {
    String name = st.name().toString();
    streamTableGauges.put(
        st.id(),
        List.of(
            metrics.streamTableGauge(
                "pg_trickle.stream_table.lag.ms",
                "How long the stream table's oldest unabsorbed source change has waited",
                name,
                () -> scheduler.lagMillis(st.id())),
            metrics.streamTableGauge(
                "pg_trickle.stream_table.pending.transactions",
                "Source transactions the stream table has not absorbed yet",
                name,
                () -> store.pendingCount(st.id())),
            metrics.streamTableGauge(
                "pg_trickle.stream_table.pending.bytes",
                "Approximate bytes of the source transactions it has not absorbed yet",
                name,
                () -> store.pendingBytes(st.id())),
            metrics.streamTableGauge(
                "pg_trickle.stream_table.pending.rows",
                "Row changes to its sources in the transactions it has not absorbed yet (the input"
                    + " of its next delta)",
                name,
                () -> store.pendingChanges(st.id())),
            metrics.streamTableCounter(
                "pg_trickle.refresh.ahead_of_schedule",
                "Refreshes started before the schedule because buffered changes outgrew the"
                    + " stream table's memory",
                name,
                () -> scheduler.refreshesAheadOfSchedule(st.id()))));
  }

  /** Stops maintaining a stream table (waits for a refresh in flight). */
  void forget(StreamTable st) {
    scheduler.remove(st.id());
    var gauges = streamTableGauges.remove(st.id());
    if (gauges != null) {
      gauges.forEach(metrics::remove);
    }
    store.unregister(st.id());
    metrics.forget(st.name().toString());
    templates.invalidate(st.id());
    synchronized (tables) {
      tables.remove(st);
    }
  }

  private void remediated(StreamTable st, String reasonCode, String detail) {
    metrics.streamTableEvent(
        "pg_trickle.remediations",
        "Remediations of failed or lagging refreshes, by reason code",
        st.name().toString(),
        reasonCode);
    try (Connection conn = db.connect()) {
      CatalogStore.recordEvent(conn, st.id(), st.name(), "REMEDIATED", reasonCode, detail);
    } catch (SQLException e) {
      log.warn("cannot record the remediation of {}: {}", st.name(), e.getMessage());
    }
  }

  private void sourceChanged(StreamTable st, String change) {
    try (Connection conn = db.connect()) {
      CatalogStore.markSourceChanged(conn, st.id(), change);
      CatalogStore.recordEvent(conn, st.id(), st.name(), "ERROR", "source_changed", change);
    } catch (SQLException e) {
      log.warn("cannot record the source change of {}: {}", st.name(), e.getMessage());
    }
  }

  /**
   * Plans a stream table in ERROR after a source change again, against its sources as they are now,
   * and takes it up again: its next refresh fills it anew (reason {@code replanned}).
   *
   * @param st the stream table
   * @param change the change that put it in ERROR
   * @return the stream table as planned now
   * @throws dev.trickle.model.SourceChanged with that change when its query still cannot be planned
   * @throws SQLException on database failures
   */
  synchronized StreamTable replan(StreamTable st, String change) throws SQLException {
    try (Connection conn = db.connect()) {
      StreamTableRow row =
          CatalogStore.findById(conn, st.id())
              .orElseThrow(
                  () ->
                      new UserError(
                          "stream table " + st.name() + " does not exist in this pipeline"));
      Plan p;
      try {
        p = planRuntime(conn, row);
      } catch (UserError e) {
        log.info("{} still cannot be planned: {}", st.name(), e.getMessage());
        throw new dev.trickle.model.SourceChanged(change);
      }
      if (ReplicationSetup.prepareSources(conn, p, config.cdc().publication())) {
        ReplicationSetup.waitForOlderTransactions(conn);
      }
      StreamTable fresh =
          StreamTableRegistry.replan(
              conn, p, row, config.settings().dvm().templateCacheMaxEntries());
      templates.invalidate(st.id());
      synchronized (tables) {
        tables.removeIf(t -> t.id() == st.id());
        tables.add(fresh);
      }
      scheduler.replanned(fresh);
      log.info("{} is planned again against its sources as they are now; filling it", st.name());
      return fresh;
    }
  }

  private void suspended(StreamTable st, int failures) {
    metrics.streamTableEvent(
        "pg_trickle.suspensions",
        "Times the circuit breaker suspended a stream table",
        st.name().toString(),
        null);
    try (Connection conn = db.connect()) {
      CatalogStore.markSuspended(conn, st.id());
      CatalogStore.recordEvent(
          conn,
          st.id(),
          st.name(),
          CatalogStore.SUSPENDED,
          "suspended",
          failures + " consecutive failed refreshes");
    } catch (SQLException e) {
      log.warn("cannot record the suspension of {}: {}", st.name(), e.getMessage());
    }
  }

  private int failed(StreamTable st, Exception error) {
    String message = error.getMessage() == null ? error.toString() : error.getMessage();
    message = message.lines().findFirst().orElse(message);
    log.error("refresh of {} failed: {}", st.name(), message);
    metrics.streamTableEvent(
        "pg_trickle.refresh.errors", "Failed refreshes", st.name().toString(), null);
    try (Connection conn = db.connect()) {
      CatalogStore.recordError(conn, st.id(), message);
      CatalogStore.recordEvent(conn, st.id(), st.name(), "ERROR", "refresh_failed", message);
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

  @Override
  public void close() {
    closing = true;
    if (scheduler != null) {
      scheduler.drain(Duration.ofSeconds(30));
    }
    keeper.shutdownNow();
    try {
      if (!keeper.awaitTermination(5, TimeUnit.SECONDS)) {
        log.warn("the slot keeper did not stop within 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (advisor != null) {
      advisor.close();
    }
    if (sourceWatch != null) {
      sourceWatch.close();
    }
    if (desk != null) {
      desk.close();
    }
    if (slotKeeper != null) {
      slotKeeper.keep(true);
      if (source != null
          && !source.awaitConfirmSent(slotKeeper.savedPosition(), Duration.ofSeconds(2))) {
        log.warn(
            "could not confirm the slot to {} before stopping; the server re-sends from the last"
                + " confirmed position, which the frontiers skip",
            slotKeeper.savedPosition());
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
    if (leadership != null) {
      leadership.close(); // last: another instance may take over from here
    }
  }
}
