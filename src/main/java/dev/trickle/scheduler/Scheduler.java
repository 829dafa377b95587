package dev.trickle.scheduler;

import dev.trickle.cdc.ChangeStore;
import dev.trickle.refresh.RefreshExecutor;
import dev.trickle.refresh.RefreshOutcome;
import dev.trickle.refresh.StreamTable;
import java.time.Duration;
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
 * that is not already refreshing, and that has pending changes or still needs its first fill.
 * Refreshes run on a fixed pool of {@code max_workers} threads.
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
  private final Map<Long, Entry> entries = new ConcurrentHashMap<>();
  private final AtomicInteger active = new AtomicInteger();
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

  private static final class Entry {
    final StreamTable st;
    volatile boolean needsFill;
    volatile String fillReason;
    volatile boolean running;
    volatile long dueAtNanos;
    volatile boolean forced;
    volatile boolean suspended;

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
   * @param maxWorkers pool size
   * @param maxBufferedBytes above this many buffered bytes, stream tables with pending changes are
   *     refreshed FULL at once (reason {@code buffer_full}), which needs no fence and lets the
   *     buffer drain even while reading from the replication socket is paused
   * @param failures told about failures
   * @param maxConsecutiveErrors failures in a row after which a stream table is suspended
   * @param suspensions told about suspensions
   * @param remediations told about remediations
   */
  public Scheduler(
      ChangeStore store,
      RefreshExecutor executor,
      int maxWorkers,
      long maxBufferedBytes,
      FailureHandler failures,
      int maxConsecutiveErrors,
      SuspensionHandler suspensions,
      RemediationHandler remediations) {
    this.remediations = remediations;
    this.store = store;
    this.maxConsecutiveErrors = maxConsecutiveErrors;
    this.suspensions = suspensions;
    this.maxBufferedBytes = maxBufferedBytes;
    this.executor = executor;
    this.failures = failures;
    AtomicInteger n = new AtomicInteger();
    this.workers =
        Executors.newFixedThreadPool(
            maxWorkers, r -> daemon(r, "trickle-refresh-" + n.incrementAndGet()));
  }

  /**
   * Adds a stream table.
   *
   * @param st the stream table
   * @param fillReason non-null when it must be recomputed first (e.g. {@code initial_fill})
   */
  public void add(StreamTable st, String fillReason) {
    entries.put(st.id(), new Entry(st, fillReason));
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
  }

  /** Stream tables suspended right now. */
  public long suspendedCount() {
    return entries.values().stream().filter(e -> e.suspended).count();
  }

  /** Reason code of the FULL refresh that resumes a suspended stream table. */
  public static final String RESUMED = "resumed";

  /** Removes a stream table, waiting (up to a minute) for a refresh of it that is running. */
  public void remove(long id) {
    Entry e = entries.remove(id);
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

  /**
   * Whether every stream table has had its first fill (a suspended one does not count: it waits to
   * be asked).
   */
  public boolean allFilled() {
    return entries.values().stream().noneMatch(e -> e.needsFill && !e.suspended);
  }

  private void tick() {
    if (stopping) {
      return;
    }
    long now = System.nanoTime();
    boolean bufferFull = store.bytes() > maxBufferedBytes;
    for (Entry e : entries.values()) {
      if (e.running || (e.suspended && !e.forced)) {
        continue;
      }
      if (bufferFull && !e.needsFill && store.hasPending(e.st.id())) {
        e.needsFill = true;
        e.fillReason = "buffer_full";
        log.warn(
            "change buffer over its budget ({} bytes); refreshing {} FULL",
            store.bytes(),
            e.st.name());
      } else if (now - e.dueAtNanos < 0 && !e.forced) {
        continue;
      }
      if (!e.needsFill && !e.forced && !store.hasPending(e.st.id())) {
        continue;
      }
      e.forced = false;
      e.running = true;
      e.dueAtNanos = now + e.st.schedule().toNanos() * e.intervalFactor;
      workers.execute(() -> runRefresh(e));
    }
  }

  private void runRefresh(Entry e) {
    active.incrementAndGet();
    java.util.List<java.util.concurrent.CompletableFuture<RefreshOutcome>> waiting =
        new java.util.ArrayList<>();
    for (var w = e.waiters.poll(); w != null; w = e.waiters.poll()) {
      waiting.add(w);
    }
    try {
      if (e.suspended) {
        // asked to refresh: resume, buffering its changes again; the refresh fills it anew
        store.register(e.st.id(), java.util.Set.copyOf(e.st.sources()), null);
        log.info("resuming suspended stream table {}", e.st.name());
      }
      RefreshOutcome outcome = executor.refresh(e.st, e.needsFill ? e.fillReason : null);
      e.needsFill = false;
      e.suspended = false;
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
    } finally {
      active.decrementAndGet();
      e.running = false;
    }
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
