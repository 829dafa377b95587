package dev.trickle.scheduler;

import dev.trickle.cdc.ChangeStore;
import dev.trickle.model.SourceChanged;
import dev.trickle.observe.Tracing;
import dev.trickle.refresh.RefreshExecutor;
import dev.trickle.refresh.RefreshOutcome;
import dev.trickle.refresh.StreamTable;
import io.opentelemetry.api.trace.Span;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wakes every few milliseconds and starts a refresh for each stream table whose schedule is due,
 * that is not already refreshing, and that has pending changes or still needs its first fill, the
 * longest due first, as long as the worker pool has a free worker.
 *
 * <p>The pool's size follows backpressure ({@link WorkerScaler}): it grows toward {@code
 * max_workers} while due refreshes wait for a worker, but only as far as the waiting stream tables
 * may use (their {@code workers}), and shrinks toward {@code min_workers} when idle. A stream table
 * whose changes have waited more than five times its interval adds one worker at once (remediation
 * {@code lag_worker_added}).
 */
public final class Scheduler implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Scheduler.class);
  private static final long TICK_MS = 5;

  private final ChangeStore store;
  private final long maxBufferedBytes;
  private final RefreshExecutor executor;
  private final FailureHandler failures;
  private final int maxConsecutiveErrors;
  private final SuspensionHandler suspensions;
  private final RemediationHandler remediations;
  private final ScheduledExecutorService ticker =
      Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "trickle-scheduler"));
  private final ExecutorService workers;
  private final int maxWorkers;
  private final WorkerScaler scaler;
  private final Tracing tracing;
  private final Map<Long, Entry> entries = new ConcurrentHashMap<>();

  /** Who reads whom among the entries: rebuilt when one is added or removed, not per tick. */
  private volatile Topology topology = Topology.of(List.of());

  private final AtomicInteger active = new AtomicInteger();
  private volatile int waiting;
  private volatile boolean stopping;

  /** Told about failed refreshes. */
  @FunctionalInterface
  public interface FailureHandler {
    /**
     * Records a failure.
     *
     * @param st the stream table
     * @param error what went wrong
     * @return how many consecutive failures the stream table has had
     */
    int failed(StreamTable st, Exception error);
  }

  /** Told about remediations: what was done about a failure, before the breaker opens. */
  @FunctionalInterface
  public interface RemediationHandler {
    /**
     * Records a remediation.
     *
     * @param st the stream table
     * @param reasonCode what was done, as documented in docs/ARCHITECTURE.md
     * @param detail the change, e.g. {@code merge_work_mem_mb 64 -> 48}
     */
    void remediated(StreamTable st, String reasonCode, String detail);
  }

  /**
   * Told when a source of a stream table changed so that it cannot be maintained as planned: the
   * stream table goes to ERROR until a refresh plans it again ({@link #replanned}).
   */
  public interface SourceChanges {
    /**
     * Checks a stream table's sources against its plan, after a refresh of it failed.
     *
     * @param st the stream table
     * @return the change, in one line, or empty when its sources are as planned
     */
    java.util.Optional<String> check(StreamTable st);

    /**
     * Records that a stream table went to ERROR.
     *
     * @param st the stream table
     * @param change the change, in one line
     */
    void changed(StreamTable st, String change);
  }

  private volatile SourceChanges sourceChanges =
      new SourceChanges() {
        @Override
        public java.util.Optional<String> check(StreamTable st) {
          return java.util.Optional.empty();
        }

        @Override
        public void changed(StreamTable st, String change) {}
      };

  /**
   * Sets what checks and records source changes (before {@link #start}).
   *
   * @param handler the checks and records
   */
  public void onSourceChanges(SourceChanges handler) {
    this.sourceChanges = handler;
  }

  /** Told when a stream table is suspended (the circuit breaker opened). */
  @FunctionalInterface
  public interface SuspensionHandler {
    /**
     * Records the suspension.
     *
     * @param st the stream table
     * @param failures its consecutive failures
     */
    void suspended(StreamTable st, int failures);
  }

  static final class Entry {
    /** Replaced (never its id, name, query or sources) when its schedule or mode changes. */
    volatile StreamTable st;

    volatile boolean needsFill;
    volatile String fillReason;
    volatile boolean running;
    volatile long dueAtNanos;
    volatile boolean forced;
    volatile boolean suspended;

    /**
     * Non-null while it is in ERROR because a source changed (the change, in one line): not
     * refreshed, its changes not kept, until a refresh plans it again.
     */
    volatile String sourceChange;

    /** Whether its sources are to be checked by a refresh soon (they seem to have changed). */
    volatile boolean recheck;

    /** When its oldest unabsorbed change was first seen pending (nanoTime), 0 when none. */
    volatile long pendingSinceNanos;

    /** Whether its current lag has already added a worker. */
    volatile boolean lagRemediated;

    /** Whether it is due but waits for a stream table it reads to finish refreshing. */
    volatile boolean waitingForUpstream;

    /** The trace context of the tick that started its refresh. */
    volatile io.opentelemetry.context.Context tickContext = io.opentelemetry.context.Context.root();

    /** Refreshes started before the schedule because buffered changes outgrew its memory. */
    final java.util.concurrent.atomic.AtomicLong aheadOfSchedule =
        new java.util.concurrent.atomic.AtomicLong();

    /** The schedule's multiple this stream table refreshes at (above 1 after lock timeouts). */
    volatile int intervalFactor = 1;

    final AtomicInteger successesSinceBackoff = new AtomicInteger();
    final java.util.Queue<java.util.concurrent.CompletableFuture<RefreshOutcome>> waiters =
        new java.util.concurrent.ConcurrentLinkedQueue<>();

    Entry(StreamTable st, String fillReason) {
      this.st = st;
      this.needsFill = fillReason != null;
      this.fillReason = fillReason;
    }
  }

  /**
   * Creates the scheduler.
   *
   * @param store the change store
   * @param executor runs refreshes
   * @param pool the pool's bounds and how fast it scales ({@code scheduler.*} settings)
   * @param maxBufferedBytes above this many buffered bytes, stream tables with pending changes are
   *     refreshed FULL at once (reason {@code buffer_full}), which needs no fence and lets the
   *     buffer drain even while reading from the replication socket is paused
   * @param failures told about failures
   * @param suspensions told about suspensions
   * @param remediations told about remediations
   */
  public Scheduler(
      ChangeStore store,
      RefreshExecutor executor,
      dev.trickle.config.SchedulerSettings pool,
      long maxBufferedBytes,
      FailureHandler failures,
      SuspensionHandler suspensions,
      RemediationHandler remediations) {
    this.remediations = remediations;
    this.store = store;
    this.maxConsecutiveErrors = pool.maxConsecutiveErrors();
    this.tracing = Tracing.get();
    this.maxWorkers = pool.maxWorkers();
    this.scaler =
        new WorkerScaler(
            pool.minWorkers(),
            pool.maxWorkers(),
            pool.scaleUpAfter().toNanos(),
            pool.scaleDownAfter().toNanos());
    this.suspensions = suspensions;
    this.maxBufferedBytes = maxBufferedBytes;
    this.executor = executor;
    this.failures = failures;
    AtomicInteger n = new AtomicInteger();
    // threads come and go with the work: an idle one ends after a minute
    var pooled =
        new java.util.concurrent.ThreadPoolExecutor(
            maxWorkers,
            maxWorkers,
            1,
            TimeUnit.MINUTES,
            new java.util.concurrent.LinkedBlockingQueue<>(),
            r -> daemon(r, "trickle-refresh-" + n.incrementAndGet()));
    pooled.allowCoreThreadTimeOut(true);
    this.workers = pooled;
  }

  /**
   * Adds a stream table.
   *
   * @param st the stream table
   * @param fillReason non-null when it must be recomputed first (e.g. {@code initial_fill})
   */
  public void add(StreamTable st, String fillReason) {
    entries.put(st.id(), new Entry(st, fillReason));
    topology = Topology.of(entries.values());
  }

  /**
   * Adds a stream table that was suspended (before a restart): it is not refreshed, and its changes
   * are not buffered, until a refresh is asked for; that one fills it again.
   *
   * @param st the stream table
   */
  public void addSuspended(StreamTable st) {
    Entry e = new Entry(st, RESUMED);
    e.suspended = true;
    entries.put(st.id(), e);
    topology = Topology.of(entries.values());
  }

  /**
   * Changes a stream table's schedule and refresh mode in place, keeping its frontier and its
   * buffered changes; a refresh running now finishes with the old ones.
   *
   * @param st the stream table with the same id, name, query and sources
   */
  public void replace(StreamTable st) {
    Entry e = entries.get(st.id());
    if (e != null) {
      e.st = st;
      e.dueAtNanos = Math.min(e.dueAtNanos, System.nanoTime() + st.schedule().toNanos());
    }
  }

  /**
   * Puts a stream table in ERROR for a source change, as a failed refresh of it would; for a stream
   * table taken up at start-up whose query cannot be planned any more.
   *
   * @param st the stream table
   * @param change the change, in one line
   */
  public void addBroken(StreamTable st, String change) {
    Entry e = new Entry(st, REPLANNED);
    e.sourceChange = change;
    entries.put(st.id(), e);
    topology = Topology.of(entries.values());
  }

  /**
   * The source change that put a stream table in ERROR, if it is there.
   *
   * @param id the stream table
   * @return the change, in one line
   */
  public java.util.Optional<String> sourceChange(long id) {
    Entry e = entries.get(id);
    return java.util.Optional.ofNullable(e == null ? null : e.sourceChange);
  }

  /**
   * Takes up a stream table in ERROR again, planned anew against its sources as they are now: it
   * buffers its changes again and is filled anew (reason {@code replanned}) at its next refresh.
   *
   * @param st the stream table as planned now, with the same id and name
   */
  public void replanned(StreamTable st) {
    Entry e = entries.get(st.id());
    if (e == null || e.sourceChange == null) {
      return;
    }
    store.register(st.id(), java.util.Set.copyOf(st.sources()), null);
    e.st = st;
    e.needsFill = true;
    e.fillReason = REPLANNED;
    e.sourceChange = null;
    topology = Topology.of(entries.values());
  }

  /**
   * Asks for a refresh of a maintained stream table soon, whether or not it has changes: its
   * sources seem to have changed, and the refresh checks them (a stream table in ERROR or suspended
   * is left alone).
   *
   * @param id the stream table
   */
  public void recheck(long id) {
    Entry e = entries.get(id);
    if (e != null && e.sourceChange == null && !e.suspended) {
      e.recheck = true;
    }
  }

  /**
   * Reason code of the FULL refresh that fills a stream table planned again after a source change.
   */
  public static final String REPLANNED = "replanned";

  /** Stream tables suspended right now. */
  public long suspendedCount() {
    return entries.values().stream().filter(e -> e.suspended).count();
  }

  /** Reason code of the FULL refresh that resumes a suspended stream table. */
  public static final String RESUMED = "resumed";

  /** Removes a stream table, waiting (up to a minute) for a refresh of it that is running. */
  public void remove(long id) {
    Entry e = entries.remove(id);
    topology = Topology.of(entries.values());
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (e != null && e.running && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Refreshes a stream table as soon as a worker is free, whether or not it is due or has changes,
   * and reports how it went. Refreshes of one stream table never overlap.
   *
   * @param id the stream table
   * @return completes with the outcome, or exceptionally with the refresh's error
   */
  public java.util.concurrent.CompletableFuture<RefreshOutcome> refreshNow(long id) {
    java.util.concurrent.CompletableFuture<RefreshOutcome> f =
        new java.util.concurrent.CompletableFuture<>();
    Entry e = entries.get(id);
    if (e == null) {
      f.completeExceptionally(new IllegalArgumentException("no stream table with id " + id));
      return f;
    }
    e.waiters.add(f);
    e.forced = true;
    return f;
  }

  /** Whether a stream table has had its first fill. */
  public boolean isFilled(long id) {
    Entry e = entries.get(id);
    return e != null && !e.needsFill;
  }

  /** Starts ticking. */
  public void start() {
    var unusedTicker = ticker.scheduleWithFixedDelay(this::tick, 0, TICK_MS, TimeUnit.MILLISECONDS);
  }

  /** Refresh workers busy right now. */
  public int activeWorkers() {
    return active.get();
  }

  /** Refresh workers the pool may run now (it grows with backpressure, shrinks when idle). */
  public int targetWorkers() {
    return scaler.target();
  }

  /** Stream tables due for a refresh that waited for a free worker at the last tick. */
  public int queueDepth() {
    return waiting;
  }

  /**
   * How long a stream table's oldest unabsorbed change has waited, as far as the scheduler has seen
   * (0 when it has none).
   *
   * @param id the stream table
   * @return milliseconds
   */
  public long lagMillis(long id) {
    Entry e = entries.get(id);
    return e == null ? 0 : lagNanos(e, System.nanoTime()) / 1_000_000;
  }

  private static long lagNanos(Entry e, long now) {
    long since = e.pendingSinceNanos;
    return since == 0 ? 0 : now - since;
  }

  /**
   * Refreshes of a stream table started before its schedule was due because its buffered changes
   * outgrew its memory, since the service started (0 for an unknown stream table).
   *
   * @param id the stream table
   * @return the running total
   */
  public long refreshesAheadOfSchedule(long id) {
    Entry e = entries.get(id);
    return e == null ? 0 : e.aheadOfSchedule.get();
  }

  /**
   * Whether every stream table has had its first fill (a suspended one does not count: it waits to
   * be asked).
   */
  public boolean allFilled() {
    return entries.values().stream()
        .noneMatch(e -> e.needsFill && !e.suspended && e.sourceChange == null);
  }

  private void tick() {
    if (stopping) {
      return;
    }
    if (!tracing.enabled()) {
      tick(io.opentelemetry.context.Context.root(), Span.getInvalid());
      return;
    }
    Span span = tracing.start(Tracing.SCHEDULER_TICK);
    try {
      tick(io.opentelemetry.context.Context.root().with(span), span);
    } finally {
      span.end();
    }
  }

  private void tick(io.opentelemetry.context.Context context, Span span) {
    long now = System.nanoTime();
    boolean bufferFull = store.bytes() > maxBufferedBytes;
    java.util.List<Entry> due = new java.util.ArrayList<>();
    for (Entry e : entries.values()) {
      if (e.running || (e.suspended && !e.forced) || (e.sourceChange != null && !e.forced)) {
        continue;
      }
      boolean pending = store.hasPending(e.st.id());
      if (pending && e.pendingSinceNanos == 0) {
        e.pendingSinceNanos = now;
      }
      if (bufferFull && !e.needsFill && pending) {
        e.needsFill = true;
        e.fillReason = "buffer_full";
        log.warn(
            "change buffer over its budget ({} bytes); refreshing {} FULL",
            store.bytes(),
            e.st.name());
      } else if (now - e.dueAtNanos < 0
          && !e.forced
          && !e.recheck
          && !(pending && overMemoryBudget(e))) {
        continue;
      }
      if (!e.needsFill && !e.forced && !pending && !e.recheck) {
        continue;
      }
      due.add(e);
    }
    // upstream stream tables before those that read them, then the longest due first; a stream
    // table whose upstream is refreshing waits for that refresh, whose result it will read
    Topology t = topology;
    // a reader waiting for what it reads holds that back once it is done, so that a source that
    // is always due (writes never stop) cannot starve its readers
    java.util.Set<Entry> dueSet = new java.util.HashSet<>(due);
    entries.values().forEach(e -> e.waitingForUpstream &= dueSet.contains(e));
    due.removeIf(
        e -> {
          boolean blocked = t.upstreamRunning(e);
          if (blocked) {
            e.waitingForUpstream = true;
          }
          return blocked;
        });
    due.sort(
        java.util.Comparator.<Entry>comparingInt(t::depth).thenComparingLong(e -> e.dueAtNanos));
    int left = due.size();
    for (Entry e : due) {
      if (active.get() >= scaler.target()) {
        break;
      }
      left--;
      List<Entry> wave = t.waves.get(e);
      if (wave == null) {
        if (e.running || t.upstreamRunning(e) || t.readerWaiting(e)) {
          continue; // an upstream (or its wave) started in this tick: read its result next time
        }
        start(e, now, context);
        active.incrementAndGet();
        workers.execute(() -> runRefresh(e));
      } else if (wave.stream()
          .noneMatch(
              m -> m.running || t.readerRunning(m) || t.readerWaiting(m) || t.upstreamRunning(m))) {
        wave.forEach(m -> start(m, now, context));
        active.incrementAndGet(); // a wave runs on one worker
        workers.execute(() -> runWave(wave));
      }
    }
    waiting = left;
    span.setAttribute(Tracing.DUE, (long) due.size()).setAttribute(Tracing.WAITING, (long) left);
    int cap = 1;
    for (int i = due.size() - left; i < due.size(); i++) {
      cap = Math.max(cap, workersOf(due.get(i)));
    }
    int change = scaler.observe(now, left, cap, active.get());
    if (change != 0) {
      log.debug(
          "refresh workers {} by one to {} ({} refreshes waiting)",
          change > 0 ? "grow" : "shrink",
          scaler.target(),
          left);
    }
    remediateLag(now);
  }

  /**
   * Whether a stream table's buffered changes exceed its memory (its {@code merge_work_mem_mb}):
   * then it refreshes before its schedule is due, which frees them.
   */
  private boolean overMemoryBudget(Entry e) {
    return store.pendingBytes(e.st.id()) > (long) executor.workMemOf(e.st) * 1024 * 1024;
  }

  private void start(Entry e, long now, io.opentelemetry.context.Context context) {
    if (now - e.dueAtNanos < 0 && !e.forced && !e.needsFill && overMemoryBudget(e)) {
      e.aheadOfSchedule.incrementAndGet();
    }
    e.tickContext = context;
    e.waitingForUpstream = false;
    e.forced = false;
    e.recheck = false;
    e.running = true;
    e.dueAtNanos = now + e.st.schedule().toNanos() * e.intervalFactor;
  }

  /** The refresh workers a stream table may use. */
  private int workersOf(Entry e) {
    return e.st.budget().effectiveWorkers(maxWorkers);
  }

  /**
   * Adds one worker for a stream table whose changes have waited more than five times its interval
   * (once per such episode), if the pool is below what it may use.
   */
  private void remediateLag(long now) {
    for (Entry e : entries.values()) {
      if (e.lagRemediated || e.suspended || e.sourceChange != null) {
        continue;
      }
      long lag = lagNanos(e, now);
      long interval = e.st.schedule().toNanos() * e.intervalFactor;
      if (lag <= LAG_INTERVALS * interval) {
        continue;
      }
      e.lagRemediated = true;
      int before = scaler.target();
      if (scaler.growForLag(workersOf(e))) {
        String detail =
            "workers "
                + before
                + " -> "
                + scaler.target()
                + " (lag "
                + lag / 1_000_000
                + "ms > "
                + LAG_INTERVALS
                + " x "
                + interval / 1_000_000
                + "ms)";
        log.warn("{} lags behind its schedule; {}", e.st.name(), detail);
        remediations.remediated(e.st, "lag_worker_added", detail);
      }
    }
  }

  /** Lag, in intervals of a stream table's schedule, that adds a worker. */
  static final int LAG_INTERVALS = 5;

  private void runRefresh(Entry e) {
    try {
      refreshOne(e, null);
    } finally {
      active.decrementAndGet();
      e.running = false;
    }
  }

  /**
   * Refreshes a wave's members one after another, upstreams first, each level of the wave at one
   * shared snapshot taken when the level before it has committed; the members count as running
   * until the last has finished, so that no reader starts in between.
   */
  private void runWave(List<Entry> wave) {
    java.util.Set<Entry> done = new java.util.HashSet<>();
    try {
      Topology t = topology;
      for (Entry first : wave) {
        if (done.contains(first)) {
          continue;
        }
        // one level: the members not yet refreshed that read no member not yet refreshed
        List<Entry> level = new java.util.ArrayList<>();
        for (Entry m : wave) {
          if (!done.contains(m)
              && t.upstreams(m).stream().noneMatch(u -> wave.contains(u) && !done.contains(u))) {
            level.add(m);
          }
        }
        try (RefreshExecutor.SharedSnapshot shared = executor.shareSnapshot()) {
          for (Entry m : level) {
            refreshOne(m, shared.id());
          }
        } catch (RuntimeException ex) {
          log.warn("refresh wave could not share a snapshot: {}", Failures.oneLine(ex));
          for (Entry m : level) {
            m.dueAtNanos = System.nanoTime() + Duration.ofMillis(250).toNanos();
          }
          return;
        }
        done.addAll(level);
      }
    } finally {
      active.decrementAndGet();
      wave.forEach(m -> m.running = false);
    }
  }

  private void refreshOne(Entry e, String sharedSnapshot) {
    Span span =
        tracing
            .start(Tracing.REFRESH_CYCLE, e.tickContext)
            .setAttribute(Tracing.STREAM_TABLE, e.st.name().toString());
    // current on this thread, so that the executor's spans are its children
    io.opentelemetry.context.Scope scope = span.makeCurrent();
    try {
      refreshOne(e, sharedSnapshot, span);
    } finally {
      scope.close();
      span.end();
    }
  }

  private void refreshOne(Entry e, String sharedSnapshot, Span span) {
    long startedNanos = System.nanoTime();
    java.util.List<java.util.concurrent.CompletableFuture<RefreshOutcome>> waiting =
        new java.util.ArrayList<>();
    for (var w = e.waiters.poll(); w != null; w = e.waiters.poll()) {
      waiting.add(w);
    }
    if (e.sourceChange != null) {
      // asked to refresh without being planned again: it stays in ERROR
      SourceChanged still = new SourceChanged(e.sourceChange);
      waiting.forEach(w -> w.completeExceptionally(still));
      return;
    }
    try {
      if (e.suspended) {
        // asked to refresh: resume, buffering its changes again; the refresh fills it anew
        store.register(e.st.id(), java.util.Set.copyOf(e.st.sources()), null);
        log.info("resuming suspended stream table {}", e.st.name());
      }
      RefreshOutcome outcome =
          executor.refresh(e.st, e.needsFill ? e.fillReason : null, sharedSnapshot);
      span.setAttribute(Tracing.MODE, outcome.mode().name())
          .setAttribute(Tracing.REASON_CODE, outcome.reasonCode())
          .setAttribute(Tracing.APPLIED, outcome.applied())
          .setAttribute(Tracing.DELTA_ROWS, outcome.deltaRows())
          .setAttribute(Tracing.SOURCE_TRANSACTIONS, (long) outcome.sourceTransactions());
      e.needsFill = false;
      e.suspended = false;
      if (store.hasPending(e.st.id())) {
        e.pendingSinceNanos = startedNanos; // changes that arrived while it ran
      } else {
        e.pendingSinceNanos = 0;
      }
      e.lagRemediated = false;
      restoreScheduleAfterSuccesses(e);
      waiting.forEach(w -> w.complete(outcome));
      if (outcome.applied()) {
        log.debug(
            "refreshed {} {} ({}): {} source txns, {} delta rows, {} rows changed in {} ms",
            e.st.name(),
            outcome.mode(),
            outcome.reasonCode(),
            outcome.sourceTransactions(),
            outcome.deltaRows(),
            outcome.rowsAffected(),
            outcome.millis());
      }
    } catch (Exception ex) {
      span.recordException(ex).setStatus(io.opentelemetry.api.trace.StatusCode.ERROR);
      String change = stopping ? null : sourceChangeBehind(e, ex);
      if (change != null) {
        breakOff(e, change);
        SourceChanged error = new SourceChanged(change);
        waiting.forEach(w -> w.completeExceptionally(error));
        return;
      }
      waiting.forEach(w -> w.completeExceptionally(ex));
      if (!stopping && Failures.isConnectionLoss(ex)) {
        log.warn(
            "refresh of {} lost its connection ({}); retrying", e.st.name(), Failures.oneLine(ex));
        e.dueAtNanos = System.nanoTime() + Duration.ofMillis(250).toNanos();
      } else if (!stopping) {
        int count = failures.failed(e.st, ex);
        if (count >= maxConsecutiveErrors) {
          suspend(e, count);
        } else {
          remediate(e, ex);
        }
        long backoff = e.st.schedule().toNanos() * (1L << Math.min(6, count));
        e.dueAtNanos = System.nanoTime() + Math.min(backoff, Duration.ofMinutes(5).toNanos());
      }
    }
  }

  /**
   * The source change behind a failed refresh, if any: the refresh found it, or (a refresh that
   * failed otherwise, say on a column that no longer exists) the sources checked afresh show it.
   */
  private String sourceChangeBehind(Entry e, Exception ex) {
    if (ex instanceof SourceChanged) {
      return ex.getMessage();
    }
    if (Failures.isConnectionLoss(ex)) {
      return null;
    }
    try {
      return sourceChanges.check(e.st).orElse(null);
    } catch (RuntimeException checkFailed) {
      log.debug("cannot check the sources of {}: {}", e.st.name(), checkFailed.getMessage());
      return null;
    }
  }

  /**
   * Takes a stream table to ERROR for a source change: no more refreshes and its changes no longer
   * kept (they would hold the slot back), as when suspended, until a refresh plans it again.
   */
  private void breakOff(Entry e, String change) {
    e.sourceChange = change;
    e.needsFill = true;
    e.fillReason = REPLANNED;
    e.pendingSinceNanos = 0;
    store.unregister(e.st.id());
    log.warn(
        "{}: {}; it is not maintained until `trickle refresh {}` plans it again",
        e.st.name(),
        change,
        e.st.name());
    sourceChanges.changed(e.st, change);
  }

  /** After three successes in a row, a stream table slowed down by lock timeouts is not anymore. */
  private void restoreScheduleAfterSuccesses(Entry e) {
    if (e.intervalFactor > 1 && e.successesSinceBackoff.incrementAndGet() >= SUCCESSES_TO_RESTORE) {
      String before = millis(e.st.schedule().multipliedBy(e.intervalFactor));
      e.intervalFactor = 1;
      e.successesSinceBackoff.set(0);
      log.info("{} refreshes on its schedule again", e.st.name());
      remediations.remediated(
          e.st, "schedule_restored", "interval " + before + " -> " + millis(e.st.schedule()));
    }
  }

  /** Successes in a row after which a stream table slowed down by lock timeouts is not anymore. */
  static final int SUCCESSES_TO_RESTORE = 3;

  private static String millis(Duration d) {
    return d.toMillis() + "ms";
  }

  /** Remediates a failed refresh by its cause, where a cause has a remedy. */
  private void remediate(Entry e, Exception ex) {
    if (Failures.isLockTimeout(ex)) {
      String before = millis(e.st.schedule().multipliedBy(e.intervalFactor));
      e.intervalFactor = Math.min(e.intervalFactor * 2, 1 << 10);
      e.successesSinceBackoff.set(0);
      String after = millis(e.st.schedule().multipliedBy(e.intervalFactor));
      log.warn(
          "refresh of {} timed out waiting for a lock; it refreshes every {} until three refreshes"
              + " in a row succeed",
          e.st.name(),
          after);
      remediations.remediated(e.st, "lock_timeout_backoff", "interval " + before + " -> " + after);
    }
    if (Failures.isOutOfMemory(ex)) {
      int before = executor.workMemOf(e.st);
      int after = executor.lowerWorkMem(e.st);
      log.warn(
          "refresh of {} ran out of memory; its work_mem goes from {} MB to {} MB",
          e.st.name(),
          before,
          after);
      remediations.remediated(
          e.st, "work_mem_lowered", "merge_work_mem_mb " + before + " -> " + after);
    }
  }

  /**
   * Opens the circuit breaker: no more refreshes until one is asked for, and the stream table's
   * changes are no longer buffered (they would hold the slot back); the refresh that resumes it
   * fills it anew.
   */
  private void suspend(Entry e, int count) {
    e.suspended = true;
    e.needsFill = true;
    e.fillReason = RESUMED;
    store.unregister(e.st.id());
    log.warn(
        "suspended {} after {} consecutive failed refreshes; `trickle refresh {}` resumes it",
        e.st.name(),
        count,
        e.st.name());
    suspensions.suspended(e.st, count);
  }

  /**
   * Stops scheduling and waits for in-flight refreshes.
   *
   * @param timeout how long to wait
   */
  public void drain(Duration timeout) {
    stopping = true;
    ticker.shutdownNow();
    workers.shutdown();
    try {
      if (!workers.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("refreshes still running after {} ms; abandoning them", timeout.toMillis());
      }
    } catch (InterruptedException ex) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    drain(Duration.ofSeconds(30));
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
