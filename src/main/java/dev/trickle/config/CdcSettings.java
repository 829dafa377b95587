package dev.trickle.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Settings of category {@code cdc}.
 *
 * @param setReplicaIdentityFull set REPLICA IDENTITY FULL on source tables that need old rows
 * @param statusInterval how often the replication connection reports its position
 * @param bufferMaxMb megabytes of decoded changes held before reading pauses
 * @param reconnectBackoffMax upper bound of the reconnect backoff
 * @param fenceTimeout how long a refresh waits for its fence message
 * @param batchMaxTransactions the most transactions routed to the change store as one window
 * @param batchMaxWait the longest a window stays open after its first transaction
 * @param receiveTimeout silence of the server after which a replication connection is given up
 * @param spillThresholdMb megabytes of one transaction's changes held in memory before they are
 *     written to a spill file
 * @param spillDirectory where spill files go; empty for the JVM's temporary directory
 */
public record CdcSettings(
    boolean setReplicaIdentityFull,
    Duration statusInterval,
    int bufferMaxMb,
    Duration reconnectBackoffMax,
    Duration fenceTimeout,
    int batchMaxTransactions,
    Duration batchMaxWait,
    Duration receiveTimeout,
    int spillThresholdMb,
    String spillDirectory) {

  /** The category name. */
  public static final String CATEGORY = "cdc";

  /** {@code pg_trickle.set_replica_identity_full}. */
  public static final Setting<Boolean> SET_REPLICA_IDENTITY_FULL =
      Setting.of(
          CATEGORY,
          "set_replica_identity_full",
          Boolean.class,
          true,
          "",
          "set REPLICA IDENTITY FULL on source tables that need old row images",
          Validator.any("true or false"));

  /** {@code pg_trickle.status_interval}. */
  public static final Setting<Duration> STATUS_INTERVAL =
      Setting.of(
          CATEGORY,
          "status_interval",
          Duration.class,
          Duration.ofSeconds(10),
          "duration",
          "how often the replication connection reports its position to the server",
          Validator.positive());

  /** {@code pg_trickle.buffer_max_mb}. */
  public static final Setting<Integer> BUFFER_MAX_MB =
      Setting.of(
          CATEGORY,
          "buffer_max_mb",
          Integer.class,
          256,
          "MB",
          "bytes of decoded changes held in memory across all source tables before reading from"
              + " the replication socket pauses",
          Validator.range(1, 65536));

  /** {@code pg_trickle.reconnect_backoff_max}. */
  public static final Setting<Duration> RECONNECT_BACKOFF_MAX =
      Setting.of(
          CATEGORY,
          "reconnect_backoff_max",
          Duration.class,
          Duration.ofSeconds(30),
          "duration",
          "upper bound of the exponential backoff between replication reconnect attempts",
          Validator.positive());

  /** {@code pg_trickle.fence_timeout}. */
  public static final Setting<Duration> FENCE_TIMEOUT =
      Setting.of(
          CATEGORY,
          "fence_timeout",
          Duration.class,
          Duration.ofSeconds(30),
          "duration",
          "how long a refresh waits for its fence message to come back through the replication"
              + " stream",
          Validator.positive());

  /** {@code pg_trickle.batch_max_transactions}. */
  public static final Setting<Integer> BATCH_MAX_TRANSACTIONS =
      Setting.of(
          CATEGORY,
          "batch_max_transactions",
          Integer.class,
          256,
          "transactions",
          "the most received transactions in one window: a window's changes are appended to the"
              + " change buffer as one batch per source table",
          Validator.range(1, 100_000));

  /** {@code pg_trickle.batch_max_wait}. */
  public static final Setting<Duration> BATCH_MAX_WAIT =
      Setting.of(
          CATEGORY,
          "batch_max_wait",
          Duration.class,
          Duration.ofMillis(1),
          "duration",
          "the longest a window stays open after its first transaction while more keep coming (a"
              + " window also closes as soon as the reader has caught up)",
          Validator.positive());

  /** {@code pg_trickle.receive_timeout}. */
  public static final Setting<Duration> RECEIVE_TIMEOUT =
      Setting.of(
          CATEGORY,
          "receive_timeout",
          Duration.class,
          Duration.ofSeconds(30),
          "duration",
          "how long the server may send nothing on the replication connection (the reader asks"
              + " for an answer every half second while idle) before the connection is taken for"
              + " lost and opened again with backoff; also bounds opening it",
          Validator.positive());

  /** {@code pg_trickle.spill_threshold_mb}. */
  public static final Setting<Integer> SPILL_THRESHOLD_MB =
      Setting.of(
          CATEGORY,
          "spill_threshold_mb",
          Integer.class,
          32,
          "MB",
          "a source transaction whose decoded changes take more memory than this is written to a"
              + " local spill file as it arrives (as is every transaction the server streams in"
              + " progress) and read back from there when refreshes apply it; only memory counts"
              + " towards buffer_max_mb",
          Validator.range(1, 65536));

  /** {@code pg_trickle.spill_directory}. */
  public static final Setting<String> SPILL_DIRECTORY =
      Setting.of(
          CATEGORY,
          "spill_directory",
          String.class,
          "",
          "path",
          "directory of the spill files (in a subdirectory trickle-spill/PID, deleted at exit and"
              + " at the next start); empty for the JVM's temporary directory (java.io.tmpdir)",
          Validator.any("a directory path, or empty"));

  /** Checks every value against its setting. */
  public CdcSettings {
    BATCH_MAX_TRANSACTIONS.requireAllowed(batchMaxTransactions);
    BATCH_MAX_WAIT.requireAllowed(batchMaxWait);
    STATUS_INTERVAL.requireAllowed(statusInterval);
    BUFFER_MAX_MB.requireAllowed(bufferMaxMb);
    RECONNECT_BACKOFF_MAX.requireAllowed(reconnectBackoffMax);
    FENCE_TIMEOUT.requireAllowed(fenceTimeout);
    RECEIVE_TIMEOUT.requireAllowed(receiveTimeout);
    SPILL_THRESHOLD_MB.requireAllowed(spillThresholdMb);
    SPILL_DIRECTORY.requireAllowed(spillDirectory);
  }

  /** Returns the definitions of this category, in documentation order. */
  public static List<Setting<?>> definitions() {
    return List.of(
        SET_REPLICA_IDENTITY_FULL,
        STATUS_INTERVAL,
        BUFFER_MAX_MB,
        RECONNECT_BACKOFF_MAX,
        FENCE_TIMEOUT,
        BATCH_MAX_TRANSACTIONS,
        BATCH_MAX_WAIT,
        RECEIVE_TIMEOUT,
        SPILL_THRESHOLD_MB,
        SPILL_DIRECTORY);
  }

  /** Returns the defaults. */
  public static CdcSettings defaults() {
    return from(SettingValues.empty());
  }

  static CdcSettings from(SettingValues v) {
    return new CdcSettings(
        v.get(SET_REPLICA_IDENTITY_FULL),
        v.get(STATUS_INTERVAL),
        v.get(BUFFER_MAX_MB),
        v.get(RECONNECT_BACKOFF_MAX),
        v.get(FENCE_TIMEOUT),
        v.get(BATCH_MAX_TRANSACTIONS),
        v.get(BATCH_MAX_WAIT),
        v.get(RECEIVE_TIMEOUT),
        v.get(SPILL_THRESHOLD_MB),
        v.get(SPILL_DIRECTORY));
  }

  Map<Setting<?>, Object> toMap() {
    return Map.of(
        SET_REPLICA_IDENTITY_FULL, setReplicaIdentityFull,
        STATUS_INTERVAL, statusInterval,
        BUFFER_MAX_MB, bufferMaxMb,
        RECONNECT_BACKOFF_MAX, reconnectBackoffMax,
        FENCE_TIMEOUT, fenceTimeout,
        BATCH_MAX_TRANSACTIONS, batchMaxTransactions,
        BATCH_MAX_WAIT, batchMaxWait,
        RECEIVE_TIMEOUT, receiveTimeout,
        SPILL_THRESHOLD_MB, spillThresholdMb,
        SPILL_DIRECTORY, spillDirectory);
  }
}
