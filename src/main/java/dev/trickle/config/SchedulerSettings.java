package dev.trickle.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Settings of category {@code scheduler}.
 *
 * @param maxWorkers refresh workers that may run at once
 * @param minWorkers refresh workers the pool keeps when idle
 * @param scaleUpAfter how long refreshes wait for a worker before the pool grows by one
 * @param scaleDownAfter how long a worker stays idle before the pool shrinks by one
 * @param defaultSchedule schedule of a stream table that sets none
 * @param maxConsecutiveErrors consecutive failed refreshes before a stream table is suspended
 * @param lockTimeout how long a refresh waits for a lock before it fails
 */
public record SchedulerSettings(
    int maxWorkers,
    int minWorkers,
    Duration scaleUpAfter,
    Duration scaleDownAfter,
    Duration defaultSchedule,
    int maxConsecutiveErrors,
    Duration lockTimeout) {

  /** The category name. */
  public static final String CATEGORY = "scheduler";

  /** {@code pg_trickle.max_workers}. */
  public static final Setting<Integer> MAX_WORKERS =
      Setting.of(
          CATEGORY,
          "max_workers",
          Integer.class,
          4,
          "workers",
          "refresh workers that may run at once: the most the pool grows to",
          Validator.range(1, 64));

  /** {@code pg_trickle.min_workers}. */
  public static final Setting<Integer> MIN_WORKERS =
      Setting.of(
          CATEGORY,
          "min_workers",
          Integer.class,
          1,
          "workers",
          "refresh workers the pool keeps when idle (at most max_workers)",
          Validator.range(1, 64));

  /** {@code pg_trickle.scale_up_after}. */
  public static final Setting<Duration> SCALE_UP_AFTER =
      Setting.of(
          CATEGORY,
          "scale_up_after",
          Duration.class,
          Duration.ofMillis(100),
          "duration",
          "how long due refreshes wait for a free worker before the pool adds one (up to the"
              + " most workers any waiting stream table may use)",
          Validator.positive());

  /** {@code pg_trickle.scale_down_after}. */
  public static final Setting<Duration> SCALE_DOWN_AFTER =
      Setting.of(
          CATEGORY,
          "scale_down_after",
          Duration.class,
          Duration.ofSeconds(30),
          "duration",
          "how long the pool has an idle worker, with no refresh waiting, before it removes one"
              + " (down to min_workers)",
          Validator.positive());

  /** {@code pg_trickle.default_schedule}. */
  public static final Setting<Duration> DEFAULT_SCHEDULE =
      Setting.of(
          CATEGORY,
          "default_schedule",
          Duration.class,
          Duration.ofSeconds(1),
          "duration",
          "schedule of a stream table that sets none",
          Validator.positive());

  /** {@code pg_trickle.max_consecutive_errors}. */
  public static final Setting<Integer> MAX_CONSECUTIVE_ERRORS =
      Setting.of(
          CATEGORY,
          "max_consecutive_errors",
          Integer.class,
          3,
          "refreshes",
          "consecutive failed refreshes after which a stream table is SUSPENDED: not refreshed"
              + " (nor its changes kept) until a refresh is asked for, which fills it anew",
          Validator.range(1, 1000));

  /** {@code pg_trickle.lock_timeout}. */
  public static final Setting<Duration> LOCK_TIMEOUT =
      Setting.of(
          CATEGORY,
          "lock_timeout",
          Duration.class,
          Duration.ofSeconds(10),
          "duration",
          "how long a refresh waits for a lock (on the stream table or a source) before it fails;"
              + " a stream table whose refresh failed so refreshes at twice the interval until"
              + " three refreshes in a row succeed",
          Validator.positive());

  /** Checks every value against its setting. */
  public SchedulerSettings {
    MAX_WORKERS.requireAllowed(maxWorkers);
    MIN_WORKERS.requireAllowed(minWorkers);
    SCALE_UP_AFTER.requireAllowed(scaleUpAfter);
    SCALE_DOWN_AFTER.requireAllowed(scaleDownAfter);
    DEFAULT_SCHEDULE.requireAllowed(defaultSchedule);
    MAX_CONSECUTIVE_ERRORS.requireAllowed(maxConsecutiveErrors);
    LOCK_TIMEOUT.requireAllowed(lockTimeout);
  }

  /** Returns the definitions of this category, in documentation order. */
  public static List<Setting<?>> definitions() {
    return List.of(
        MAX_WORKERS,
        MIN_WORKERS,
        SCALE_UP_AFTER,
        SCALE_DOWN_AFTER,
        DEFAULT_SCHEDULE,
        MAX_CONSECUTIVE_ERRORS,
        LOCK_TIMEOUT);
  }

  /** Returns the defaults. */
  public static SchedulerSettings defaults() {
    return from(SettingValues.empty());
  }

  static SchedulerSettings from(SettingValues v) {
    return new SchedulerSettings(
        v.get(MAX_WORKERS),
        v.get(MIN_WORKERS),
        v.get(SCALE_UP_AFTER),
        v.get(SCALE_DOWN_AFTER),
        v.get(DEFAULT_SCHEDULE),
        v.get(MAX_CONSECUTIVE_ERRORS),
        v.get(LOCK_TIMEOUT));
  }

  Map<Setting<?>, Object> toMap() {
    return Map.of(
        MAX_WORKERS, maxWorkers,
        MIN_WORKERS, minWorkers,
        SCALE_UP_AFTER, scaleUpAfter,
        SCALE_DOWN_AFTER, scaleDownAfter,
        DEFAULT_SCHEDULE, defaultSchedule,
        MAX_CONSECUTIVE_ERRORS, maxConsecutiveErrors,
        LOCK_TIMEOUT, lockTimeout);
  }
}
