package dev.trickle.scheduler;

/**
 * Decides how many refresh workers the pool may run, from backpressure: pure logic, fed by the
 * scheduler on every tick with the time and what it saw.
 *
 * <p>The pool grows by one when due refreshes have waited for a worker for {@code scaleUpAfter}
 * (and again after each further {@code scaleUpAfter} of waiting), never beyond the most workers
 * that any waiting stream table may use; it shrinks by one when it has had an idle worker, and no
 * refresh waiting, for {@code scaleDownAfter}, never below {@code minWorkers}. A stream table that
 * lags may also add one worker at once ({@link #growForLag}).
 */
final class WorkerScaler {
  private final int minWorkers;
  private final int maxWorkers;
  private final long scaleUpAfterNanos;
  private final long scaleDownAfterNanos;
  private int target;
  private long waitingSince = -1;
  private long idleSince = -1;

  /**
   * Creates a scaler at {@code minWorkers}.
   *
   * @param minWorkers the fewest workers (clamped to {@code maxWorkers})
   * @param maxWorkers the most workers
   * @param scaleUpAfterNanos waiting that adds a worker
   * @param scaleDownAfterNanos idleness that removes one
   */
  WorkerScaler(int minWorkers, int maxWorkers, long scaleUpAfterNanos, long scaleDownAfterNanos) {
    if (maxWorkers < 1 || minWorkers < 1) {
      throw new IllegalArgumentException("workers must be at least 1");
    }
    this.maxWorkers = maxWorkers;
    this.minWorkers = Math.min(minWorkers, maxWorkers);
    this.scaleUpAfterNanos = scaleUpAfterNanos;
    this.scaleDownAfterNanos = scaleDownAfterNanos;
    this.target = this.minWorkers;
  }

  /** Workers the pool may run now. */
  synchronized int target() {
    return target;
  }

  /**
   * Takes in one tick's observation.
   *
   * @param now {@link System#nanoTime()}
   * @param waiting due refreshes that found no free worker
   * @param cap the most workers any of the waiting stream tables may use
   * @param busy refreshes running
   * @return the change made: +1, -1 or 0
   */
  synchronized int observe(long now, int waiting, int cap, int busy) {
    if (waiting > 0) {
      idleSince = -1;
      if (target >= Math.min(cap, maxWorkers)) {
        waitingSince = -1;
        return 0;
      }
      if (waitingSince < 0) {
        waitingSince = now;
      } else if (now - waitingSince >= scaleUpAfterNanos) {
        target++;
        waitingSince = now;
        return 1;
      }
      return 0;
    }
    waitingSince = -1;
    if (busy >= target || target <= minWorkers) {
      idleSince = -1;
      return 0;
    }
    if (idleSince < 0) {
      idleSince = now;
    } else if (now - idleSince >= scaleDownAfterNanos) {
      target--;
      idleSince = now;
      return -1;
    }
    return 0;
  }

  /**
   * Adds one worker for a lagging stream table, if the pool is below what that stream table may
   * use.
   *
   * @param cap the most workers the lagging stream table may use
   * @return whether a worker was added
   */
  synchronized boolean growForLag(int cap) {
    if (target >= Math.min(cap, maxWorkers)) {
      return false;
    }
    target++;
    idleSince = -1;
    return true;
  }
}
