package dev.trickle.refresh;

import dev.trickle.cdc.ChangeStore;
import dev.trickle.cdc.FenceRegistry;
import dev.trickle.cdc.WalTransaction;
import dev.trickle.dvm.MergeParts;
import dev.trickle.dvm.RefreshSql;
import dev.trickle.dvm.SourceSchema;
import dev.trickle.faults.CrashPoints;
import dev.trickle.model.PgSnapshot;
import dev.trickle.model.SourceChanged;
import dev.trickle.model.TableRef;
import dev.trickle.observe.Metrics;
import dev.trickle.observe.Tracing;
import io.opentelemetry.api.trace.Span;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Runs refreshes (DESIGN-BRIEF §2). One refresh is one REPEATABLE READ transaction: take the
 * snapshot, commit a fence and wait for it to come back through the replication stream, take the
 * received transactions visible in the snapshot as the delta, ship it (changed keys as bound
 * arrays, row images by COPY into a temp table), MERGE it (or recompute), store the snapshot as the
 * new frontier and write the history row, then commit. Only after the commit does the change store
 * release the transactions, which lets the slot be confirmed past them.
 */
public final class RefreshExecutor implements AutoCloseable {
  private final Supplier<PostgresqlConnection> connect;
  private final ChangeStore store;
  private final FenceRegistry fences;
  private final FenceEmitter fenceEmitter;
  private final Metrics metrics;
  private final Duration fenceTimeout;
  private final int workMemMb;
  private final java.util.concurrent.ConcurrentHashMap<Long, Integer> workMem =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final boolean plannerHints;
  private final TemplateCache templates;
  private final java.util.concurrent.ConcurrentHashMap<Long, RefreshCosts> costs =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final double maxChangeRatio;
  private final Duration lockTimeout;
  private final int mergeBatchSize;
  private final Tracing tracing;
  private final BlockingQueue<R2dbcSession> idle = new LinkedBlockingQueue<>();

  /**
   * Deltas of at least this many rows get planner statistics before the MERGE: without them the
   * planner guesses a small temp table and probes indexes per key (measured: 70,000 keys took 0.96
   * s that way and 0.59 s with hash joins after ANALYZE); small deltas keep the index plan.
   */
  static final int ANALYZE_DELTA_ROWS = 1000;

  /**
   * KEYED deltas of fewer row changes reuse a generic plan; it probes indexes key by key, which
   * beats hash joins well beyond this size, and planning costs about 0.3 ms a refresh.
   */
  static final long GENERIC_PLAN_MAX_CHANGES = 2048;

  private static String planCacheMode(boolean generic) {
    return generic ? "force_generic_plan" : "force_custom_plan";
  }

  /**
   * Planner settings of differential refreshes ({@code dvm.merge_planner_hints}): a delta statement
   * reads few rows but may carry large cost estimates (common table expressions of unknown size),
   * which would make the server JIT-compile it for up to a second; and its keys are few, so probing
   * indexes beats scanning (on cached or solid state storage, which the default random_page_cost of
   * 4 does not assume).
   */
  private static final String PLANNER_HINTS =
      "set_config('jit', 'off', true), set_config('random_page_cost', '1.1', true)";

  /**
   * Creates the executor.
   *
   * @param connect opens an R2DBC connection
   * @param store the change store
   * @param fences fence registry fed by the replication reader
   * @param fenceEmitter writes fences
   * @param metrics metrics
   * @param fenceTimeout how long to wait for a fence
   * @param workMemMb work_mem of the refresh transactions of stream tables without their own or a
   *     preset's
   * @param plannerHints whether differential refreshes set planner settings for small deltas
   * @param templates where each stream table's generated SQL comes from
   * @param maxChangeRatio AUTO threshold
   * @param lockTimeout how long a refresh waits for a lock before it fails
   * @param mergeBatchSize deltas of more rows are merged in chunks of this many
   */
  public RefreshExecutor(
      Supplier<PostgresqlConnection> connect,
      ChangeStore store,
      FenceRegistry fences,
      FenceEmitter fenceEmitter,
      Metrics metrics,
      Duration fenceTimeout,
      int workMemMb,
      boolean plannerHints,
      TemplateCache templates,
      double maxChangeRatio,
      Duration lockTimeout,
      int mergeBatchSize) {
    this.mergeBatchSize = mergeBatchSize;
    this.tracing = Tracing.get();
    this.lockTimeout = lockTimeout;
    this.connect = connect;
    this.store = store;
    this.fences = fences;
    this.fenceEmitter = fenceEmitter;
    this.metrics = metrics;
    this.fenceTimeout = fenceTimeout;
    this.workMemMb = workMemMb;
    this.plannerHints = plannerHints;
    this.templates = templates;
    this.maxChangeRatio = maxChangeRatio;
  }

  /**
   * Refreshes one stream table.
   *
   * @param st the stream table
   * @param forcedFullReason non-null to recompute regardless of mode (initial fill, re-snapshot)
   * @return what happened
   * @throws Exception when the refresh failed; nothing was committed then
   */
  public RefreshOutcome refresh(StreamTable st, String forcedFullReason) throws Exception {
    return refresh(st, forcedFullReason, null);
  }

  /**
   * Refreshes one stream table at a snapshot shared with others ({@link #shareSnapshot}): the
   * refresh reads its sources as of that snapshot and records it as its frontier.
   *
   * @param st the stream table
   * @param forcedFullReason non-null to recompute regardless of mode
   * @param sharedSnapshot an exported snapshot's id, or null for a snapshot of its own
   * @return what happened
   * @throws Exception when the refresh failed; nothing was committed then
   */
  public RefreshOutcome refresh(StreamTable st, String forcedFullReason, String sharedSnapshot)
      throws Exception {
    Instant started = Instant.now();
    R2dbcSession session = borrow();
    boolean ok = false;
    try {
      RefreshOutcome outcome = run(session, st, forcedFullReason, started, sharedSnapshot);
      ok = true;
      return outcome;
    } finally {
      if (ok) {
        idle.offer(session);
      } else {
        session.rollback();
        if (session.isValid()) {
          idle.offer(session);
        } else {
          session.close();
        }
      }
    }
  }

  /**
   * A snapshot exported for refreshes that must read their sources at the same point (the stream
   * tables read by one reader): held by an open transaction until closed.
   */
  public final class SharedSnapshot implements AutoCloseable {
    private final R2dbcSession session;
    private final String id;

    private SharedSnapshot(R2dbcSession session, String id) {
      this.session = session;
      this.id = id;
    }

    /** The id to import with {@code SET TRANSACTION SNAPSHOT}. */
    public String id() {
      return id;
    }

    @Override
    public void close() {
      session.rollback();
      if (session.isValid()) {
        idle.offer(session);
      } else {
        session.close();
      }
    }
  }

  /**
   * Exports a snapshot for refreshes to share.
   *
   * @return the snapshot, held until closed
   */
  public SharedSnapshot shareSnapshot() {
    R2dbcSession session = borrow();
    try {
      return new SharedSnapshot(
          session, session.beginAndQueryString("SELECT pg_export_snapshot()"));
    } catch (RuntimeException e) {
      session.rollback();
      session.close();
      throw e;
    }
  }

  private RefreshOutcome run(
      R2dbcSession s,
      StreamTable st,
      String forcedFullReason,
      Instant started,
      String sharedSnapshot)
      throws Exception {
    // The commit waits for its WAL flush (synchronous_commit stays on): after a server crash the
    // service's in-memory frontiers must not be ahead of the committed ones.
    // A KEYED delta statement binds its keys: a small delta (as far as the changes received so far
    // tell) reuses one generic plan, which probes indexes key by key as small deltas should, and
    // saves planning; any other delta statement is planned for the delta at hand (its size varies
    // a hundredfold), never with a generic plan of the session's statement cache. The planner
    // hints are set up front when a delta is likely (DIFFERENTIAL, or AUTO after a delta), saving
    // a round trip, and reset should FULL be chosen after all.
    boolean hints =
        plannerHints
            && forcedFullReason == null
            && st.strategy() != dev.trickle.model.Strategy.FULL_ONLY
            && (st.mode() == dev.trickle.config.RefreshMode.DIFFERENTIAL
                || (st.mode() == dev.trickle.config.RefreshMode.AUTO
                    && !costsOf(st).lastWasFull()));
    boolean smallKeyed =
        st.strategy() == dev.trickle.model.Strategy.KEYED
            && store.pendingChanges(st.id()) < GENERIC_PLAN_MAX_CHANGES;
    // what the stream table reads of its sources is checked in the refresh snapshot, in the same
    // round trip: a column dropped, renamed or retyped, or a table dropped (and created again),
    // is never refreshed as if it were what was planned
    SourceSchema schema = st.sourceSchema();
    List<String> first =
        s.beginAndQueryRow(
            (sharedSnapshot == null
                    ? lockSources(st)
                    : "SET TRANSACTION SNAPSHOT " + TableRef.quoteLiteral(sharedSnapshot) + "; ")
                + "SELECT pg_current_snapshot()::text, "
                + (schema.sources().isEmpty() ? "NULL" : schema.observeSql())
                + ", set_config('work_mem', '"
                + workMemOf(st)
                + "MB', true), set_config('lock_timeout', '"
                + lockTimeout.toMillis()
                + "ms', true), set_config('plan_cache_mode', '"
                + planCacheMode(smallKeyed)
                + "', true)"
                + (hints ? ", " + PLANNER_HINTS : ""));
    PgSnapshot snapshot = PgSnapshot.parse(first.get(0));
    if (!schema.sources().isEmpty()) {
      var change = schema.changeIn(schema.parse(first.get(1)));
      if (change.isPresent()) {
        throw new SourceChanged(change.get());
      }
    }
    List<WalTransaction> delta = List.of();
    ModePolicy.Decision decision;
    long changeCount = 0;
    if (forcedFullReason != null) {
      decision = new ModePolicy.Decision(ModePolicy.Applied.FULL, forcedFullReason);
      // counted, not applied one by one: the transactions received so far that the snapshot makes
      // visible (no fence is awaited, so one received while this runs is absorbed uncounted)
      delta = store.deltaFor(st.id(), snapshot);
    } else {
      awaitFence();
      delta = store.deltaFor(st.id(), snapshot);
      if (delta.isEmpty()) {
        s.rollback();
        return new RefreshOutcome(false, ModePolicy.Applied.DIFFERENTIAL, "no_changes", 0, 0, 0, 0);
      }
      boolean truncated =
          delta.stream()
              .anyMatch(tx -> st.sources().stream().anyMatch(t -> tx.truncated().contains(t)));
      long changes = 0;
      for (WalTransaction tx : delta) {
        for (TableRef t : st.sources()) {
          changes += tx.changeCount(t);
        }
      }
      changeCount = changes;
      decision =
          ModePolicy.decide(
              st.mode(),
              st.strategy(),
              truncated,
              changes,
              st.sourceRows(),
              maxChangeRatio,
              costsOf(st).advise(changes));
    }
    RefreshSql sql = templates.get(st);
    long deltaRows = 0;
    long affected = 0;
    long chunks = 0; // FULL refreshes merge nothing
    Object deleted = new R2dbcSession.NullOf(Long.class);
    Object inserted = new R2dbcSession.NullOf(Long.class);
    boolean differential = decision.mode() == ModePolicy.Applied.DIFFERENTIAL;
    if (smallKeyed && differential && changeCount >= GENERIC_PLAN_MAX_CHANGES) {
      // more changes arrived before the fence than were received before the refresh began
      s.execute("SET LOCAL plan_cache_mode = " + planCacheMode(false));
    }
    if (plannerHints && hints != differential) { // the guess was wrong
      s.execute(
          differential
              ? "SET LOCAL jit = off; SET LOCAL random_page_cost = 1.1"
              : "SET LOCAL jit TO DEFAULT; SET LOCAL random_page_cost TO DEFAULT");
    }
    // a failed refresh's inner spans are not ended (not exported): its refresh_cycle has the error
    Span execute = tracing.start(Tracing.DELTA_EXECUTE);
    if (!differential) {
      CrashPoints.reached(CrashPoints.Point.BEFORE_MERGE);
      long del = s.execute(sql.fullRefresh().get(0));
      long ins = s.execute(sql.fullRefresh().get(1));
      affected = del + ins;
      deleted = del;
      inserted = ins;
    } else {
      List<Object> binds = new java.util.ArrayList<>();
      // a delta with a spilled transaction is streamed from disk into temp tables, in pieces
      boolean fromDisk = delta.stream().anyMatch(WalTransaction::isSpilled);
      String apply = sql.applyDelta();
      for (RefreshSql.Delta d : sql.deltas()) {
        if (fromDisk) {
          String table = d.bound() ? "pg_temp.__pgt_keys_" + st.id() : d.tableName();
          if (d.bound()) {
            s.executeOnce(d.createKeysTable(table));
            apply = d.readKeysFrom(apply, table);
          } else {
            s.executeOnce(d.createTable());
          }
          long copied = copyFromDisk(s, sql, d, table, delta);
          if (copied >= ANALYZE_DELTA_ROWS) {
            s.execute("ANALYZE " + table);
          }
          deltaRows +=
              d.bound()
                  ? Long.parseLong(
                      s.queryString(
                          "SELECT count(*)::text FROM (SELECT DISTINCT * FROM " + table + ") k"))
                  : copied;
          continue;
        }
        DeltaEncoder.Encoded encoded =
            DeltaEncoder.encode(sql.strategy(), d.source(), d.columns(), delta);
        deltaRows += encoded.rows();
        if (d.bound()) {
          binds.addAll(encoded.arrays());
          continue;
        }
        s.createOnce(d.createTable());
        s.copyIn(d.copyIn(), encoded.copyText());
        if (encoded.rows() >= ANALYZE_DELTA_ROWS) {
          s.execute(d.analyze());
        }
      }
      CrashPoints.reached(CrashPoints.Point.BEFORE_MERGE);
      var parts =
          deltaRows > mergeBatchSize
              ? MergeParts.of(apply)
              : java.util.Optional.<MergeParts>empty();
      if (parts.isPresent()) {
        // a large delta: its MERGE source is materialized once, numbered, and merged in chunks
        // of merge_batch_size rows, all in this transaction (readers see all or nothing)
        MergeParts p = parts.get();
        String table = "pg_temp.__pgt_chunks_" + st.id();
        long rows = s.execute(p.materialize(table), binds.toArray());
        chunks = Math.max(1, (rows + mergeBatchSize - 1) / mergeBatchSize);
        for (long c = 0; c < chunks; c++) {
          if (c > 0) {
            CrashPoints.reached(CrashPoints.Point.BETWEEN_CHUNKS);
          }
          affected += s.execute(p.chunk(table, c * mergeBatchSize, (c + 1) * mergeBatchSize));
        }
        if (!p.after().isEmpty()) {
          s.execute(p.after());
        }
        s.execute("DROP TABLE " + table);
      } else {
        affected = s.execute(apply, binds.toArray());
        chunks = 1;
      }
    }
    execute
        .setAttribute(Tracing.STREAM_TABLE, st.name().toString())
        .setAttribute(Tracing.MODE, decision.mode().name())
        .setAttribute(Tracing.DELTA_ROWS, deltaRows)
        .setAttribute(Tracing.MERGE_CHUNKS, chunks)
        .setAttribute(Tracing.ROWS_AFFECTED, affected)
        .end();
    Span advance =
        tracing
            .start(Tracing.FRONTIER_ADVANCE)
            .setAttribute(Tracing.STREAM_TABLE, st.name().toString())
            .setAttribute(Tracing.FRONTIER, snapshot.toString())
            .setAttribute(
                Tracing.SOURCE_LSN,
                delta.isEmpty() ? "" : delta.get(delta.size() - 1).commitLsn().toString());
    s.execute(
        "WITH frontier AS (UPDATE pgtrickle.pgt_stream_tables SET frontier = $9, status ="
            + " 'ACTIVE', last_refresh_at = now(), last_error = NULL, consecutive_errors = 0,"
            + " updated_at = now() WHERE pgt_id = $1) INSERT INTO pgtrickle.pgt_refresh_history"
            + " (pgt_id, stream_table, started_at, mode,"
            + " status, delta_rows, source_txns, rows_affected, reason_code, frontier,"
            + " rows_deleted, rows_inserted, merge_chunks) VALUES ($1, $2, $3, $4, 'SUCCESS', $5,"
            + " $6, $7, $8, $9, $10, $11, $12::int)",
        st.id(),
        st.name().toString(),
        started.atOffset(java.time.ZoneOffset.UTC),
        decision.mode().name(),
        deltaRows,
        delta.size(),
        affected,
        decision.reasonCode(),
        snapshot.toString(),
        deleted,
        inserted,
        chunks);
    s.commit();
    CrashPoints.reached(CrashPoints.Point.AFTER_COMMIT);
    advance.end();
    Instant visible = Instant.now();
    Span cleanup = tracing.start(Tracing.CLEANUP);
    List<WalTransaction> absorbed = store.complete(st.id(), snapshot);
    for (WalTransaction tx : absorbed) {
      metrics.commitToVisible(
          st.name().toString(), Duration.between(tx.commitTime(), visible).toNanos() / 1e6);
    }
    cleanup
        .setAttribute(Tracing.STREAM_TABLE, st.name().toString())
        .setAttribute(Tracing.ABSORBED, absorbed.size())
        .end();
    Duration took = Duration.between(started, visible);
    if (decision.mode() == ModePolicy.Applied.FULL) {
      costsOf(st).recordFull(took.toNanos() / 1e6, "initial_fill".equals(decision.reasonCode()));
    } else {
      costsOf(st).recordDifferential(changeCount, took.toNanos() / 1e6);
    }
    metrics.refresh(
        st.name().toString(), decision.mode().name(), took, affected, deltaRows, chunks);
    return new RefreshOutcome(
        true,
        decision.mode(),
        decision.reasonCode(),
        deltaRows,
        delta.size(),
        affected,
        took.toMillis());
  }

  /** Characters of COPY text sent per COPY statement when a delta is read from spill files. */
  static final int COPY_PIECE_CHARS = 4 << 20;

  /**
   * Copies one source table's part of a delta into its temp table piece by piece, one COPY
   * statement per piece, so that rows read from spill files are never held whole in memory.
   *
   * @return rows copied
   */
  private static long copyFromDisk(
      R2dbcSession s,
      RefreshSql sql,
      RefreshSql.Delta d,
      String table,
      List<WalTransaction> delta) {
    long rows = 0;
    var pieces =
        DeltaEncoder.pieces(sql.strategy(), d.source(), d.columns(), delta, COPY_PIECE_CHARS);
    while (pieces.hasNext()) {
      DeltaEncoder.Piece piece = pieces.next();
      s.copyIn("COPY " + table + " FROM STDIN", piece.text());
      rows += piece.rows();
    }
    return rows;
  }

  /**
   * Locks the sources (ACCESS SHARE, as reading them would) before the snapshot is taken: a table
   * rewrite (ALTER COLUMN ... TYPE) committed after the snapshot would otherwise show the refresh
   * an empty table (rewrites are not MVCC-safe), and a KEYED refresh would delete the rows it
   * re-derives. With the lock the rewrite either committed before the snapshot or waits for the
   * refresh.
   */
  private String lockSources(StreamTable st) {
    if (st.sourceSchema().sources().isEmpty()) {
      return "";
    }
    return "SET LOCAL lock_timeout = '"
        + lockTimeout.toMillis()
        + "ms'; LOCK TABLE "
        + st.sources().stream()
            .map(TableRef::quoted)
            .collect(java.util.stream.Collectors.joining(", "))
        + " IN ACCESS SHARE MODE; ";
  }

  /**
   * The work_mem of a stream table's refreshes in megabytes: its own {@code merge_work_mem_mb},
   * else its preset's memory, else {@code dvm.merge_work_mem_mb}, as lowered by out-of-memory
   * remediations since the service started.
   */
  public int workMemOf(StreamTable st) {
    return workMem.computeIfAbsent(st.id(), id -> st.budget().effectiveMergeWorkMemMb(workMemMb));
  }

  /**
   * Lowers a stream table's work_mem by a quarter (remediating an out-of-memory failure), to no
   * less than 1 MB.
   *
   * @return the new value in megabytes
   */
  public int lowerWorkMem(StreamTable st) {
    int current = workMemOf(st);
    int lowered = Math.max(1, current - Math.max(1, current / 4));
    workMem.put(st.id(), lowered);
    return lowered;
  }

  private RefreshCosts costsOf(StreamTable st) {
    return costs.computeIfAbsent(st.id(), id -> new RefreshCosts());
  }

  private void awaitFence() throws Exception {
    String id = UUID.randomUUID().toString();
    var arrived = fences.expect(id);
    try {
      fenceEmitter.emit(id);
      arrived.get(fenceTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException(
          "fence did not come back through the replication stream within "
              + fenceTimeout.toMillis()
              + " ms (is the replication connection streaming?)",
          e);
    } finally {
      fences.cancel(id);
    }
  }

  private R2dbcSession borrow() {
    R2dbcSession s;
    while ((s = idle.poll()) != null) {
      if (s.isOpen()) {
        return s;
      }
      s.close();
    }
    return new R2dbcSession(connect.get());
  }

  @Override
  public void close() {
    R2dbcSession s;
    while ((s = idle.poll()) != null) {
      s.close();
    }
  }
}
