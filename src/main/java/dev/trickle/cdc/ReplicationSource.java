package dev.trickle.cdc;

import dev.trickle.cdc.pgoutput.PgOutputDecoder;
import dev.trickle.config.Durations;
import dev.trickle.model.Lsn;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * The pgoutput replication connection (pgjdbc replication API) as a {@link Flux} of committed
 * transactions. One blocking reader thread per subscription reads the socket only while downstream
 * has demand and the in-memory buffers are under their byte budget; otherwise it keeps the
 * connection alive with status updates and lets the server hold the WAL. Errors end the
 * subscription; {@link #transactions()} resubscribes with exponential backoff.
 */
public final class ReplicationSource implements ChangeSource {
  private static final Logger log = LoggerFactory.getLogger(ReplicationSource.class);

  private final String jdbcUrl;
  private final Properties baseProperties;
  private final String slot;
  private final String publication;
  private final Duration statusInterval;
  private final Duration maxBackoff;
  private final LongSupplier bufferedBytes;
  private final long maxBufferedBytes;
  private final AtomicReference<Lsn> confirm = new AtomicReference<>(Lsn.ZERO);
  private final AtomicReference<Lsn> confirmSent = new AtomicReference<>(Lsn.ZERO);
  private final AtomicReference<Lsn> lastReceived = new AtomicReference<>(Lsn.ZERO);
  private final AtomicBoolean streaming = new AtomicBoolean();
  private final Scheduler readerThread = Schedulers.newSingle("trickle-wal-reader", true);
  private final IdleListener idleListener;
  private final int windowMaxTransactions;
  private final Duration windowMaxWait;
  private final Duration receiveTimeout;
  private final SpillDirectory spill;
  private final long spillThresholdBytes;

  /** Silence after which the reader sends a status update to find out whether the server lives. */
  private static final long PROBE_AFTER_NANOS = Duration.ofMillis(500).toNanos();

  /** Told about positions received while no transaction is open. */
  @FunctionalInterface
  public interface IdleListener {
    /**
     * Called from the reader thread.
     *
     * @param position the last received position
     */
    void idleAt(Lsn position);
  }

  /**
   * Creates a source; nothing connects until {@link #transactions()} is subscribed.
   *
   * @param jdbcUrl JDBC URL of the database (no password inside)
   * @param properties connection properties (user, password)
   * @param slot replication slot name
   * @param publication publication name
   * @param statusInterval how often to report the position
   * @param maxBackoff upper bound of the reconnect backoff
   * @param bufferedBytes current bytes held downstream
   * @param maxBufferedBytes reading pauses above this
   * @param idleListener told about idle positions
   * @param windowMaxTransactions the most transactions in one window
   * @param windowMaxWait the longest a window stays open after its first transaction
   * @param receiveTimeout silence of the server after which the connection is given up; also bounds
   *     opening it
   * @param spill where transactions too large for the heap are written (closed with this source)
   * @param spillThresholdBytes a transaction whose changes take more is written there
   */
  public ReplicationSource(
      String jdbcUrl,
      Properties properties,
      String slot,
      String publication,
      Duration statusInterval,
      Duration maxBackoff,
      LongSupplier bufferedBytes,
      long maxBufferedBytes,
      IdleListener idleListener,
      int windowMaxTransactions,
      Duration windowMaxWait,
      Duration receiveTimeout,
      SpillDirectory spill,
      long spillThresholdBytes) {
    this.receiveTimeout = receiveTimeout;
    this.spill = spill;
    this.spillThresholdBytes = spillThresholdBytes;
    this.windowMaxTransactions = windowMaxTransactions;
    this.windowMaxWait = windowMaxWait;
    this.jdbcUrl = jdbcUrl;
    this.baseProperties = properties;
    this.slot = slot;
    this.publication = publication;
    this.statusInterval = statusInterval;
    this.maxBackoff = maxBackoff;
    this.bufferedBytes = bufferedBytes;
    this.maxBufferedBytes = maxBufferedBytes;
    this.idleListener = idleListener;
  }

  /**
   * Waits until the server has been told a position (or the time is up).
   *
   * @param position the position
   * @param timeout the longest wait
   * @return whether it was told
   */
  @Override
  public boolean awaitConfirmSent(Lsn position, Duration timeout) {
    return ConfirmWait.until(confirmSent::get, streaming::get, position, timeout);
  }

  private volatile java.util.function.Consumer<String> requests = r -> {};

  /**
   * Hands the requests of the SQL functions (non-transactional messages with prefix {@value
   * TransactionAssembler#REQUEST_PREFIX}) to a listener, called on the reader thread.
   */
  @Override
  public void onRequest(java.util.function.Consumer<String> listener) {
    this.requests = listener;
  }

  /** Sets the position the slot may be confirmed to; sent at once by the reader thread. */
  @Override
  public void confirm(Lsn position) {
    confirm.accumulateAndGet(position, Lsn::max);
  }

  /** Whether the replication connection is currently streaming. */
  @Override
  public boolean isStreaming() {
    return streaming.get();
  }

  /** The last position received from the server. */
  @Override
  public Lsn lastReceived() {
    return lastReceived.get();
  }

  /**
   * The committed transactions of the publication, in commit order and in windows, reconnecting
   * with backoff. A window closes when it holds {@code windowMaxTransactions}, when its first
   * transaction has waited {@code windowMaxWait}, or as soon as the reader has caught up (nothing
   * more to read), so it never delays a transaction while the connection is idle. Transactions may
   * be delivered again after a reconnect; consumers skip what their frontier already includes.
   *
   * @return the windows
   */
  @Override
  public Flux<List<WalTransaction>> transactions() {
    return Flux.<List<WalTransaction>>create(sink -> readerThread.schedule(() -> readLoop(sink)))
        .retryWhen(
            Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200))
                .maxBackoff(maxBackoff)
                .transientErrors(true)
                .doBeforeRetry(
                    s ->
                        log.warn(
                            "replication connection lost ({}); reconnecting, attempt {}",
                            oneLine(s.failure()),
                            s.totalRetries() + 1)));
  }

  private void readLoop(FluxSink<List<WalTransaction>> sink) {
    AtomicBoolean cancelled = new AtomicBoolean();
    sink.onDispose(() -> cancelled.set(true));
    ReceiveClock clock = new ReceiveClock();
    TransactionAssembler assembler =
        new TransactionAssembler(r -> requests.accept(r), spill::newFile, spillThresholdBytes);
    try (Connection conn = connect(clock)) {
      // PostgreSQL 14 and later stream large transactions in progress (protocol 2) rather than
      // spilling them on the server until they commit; the assembler writes them to spill files
      boolean inProgress = conn.getMetaData().getDatabaseMajorVersion() >= 14;
      Properties options = new Properties();
      options.setProperty("proto_version", inProgress ? "2" : "1");
      options.setProperty("publication_names", publication);
      options.setProperty("messages", "true");
      if (inProgress) {
        options.setProperty("streaming", "on");
      }
      PGReplicationStream stream =
          conn.unwrap(PGConnection.class)
              .getReplicationAPI()
              .replicationStream()
              .logical()
              .withSlotName(slot)
              .withSlotOptions(options)
              .withStatusInterval((int) statusInterval.toMillis(), TimeUnit.MILLISECONDS)
              // pgjdbc would otherwise report the server's position from a keepalive as flushed
              // once everything received was confirmed: the slot would move past the position
              // recorded in the catalog, which start-up must then take for a gap
              .withAutomaticFlush(false)
              .start();
      streaming.set(true);
      log.info(
          "replication streaming from slot {} (publication {}, protocol {})",
          slot,
          publication,
          inProgress ? "2, large transactions streamed in progress" : "1");
      TransactionWindow window =
          new TransactionWindow(windowMaxTransactions, windowMaxWait.toNanos());
      Lsn sent = Lsn.ZERO;
      long lastTraffic = System.nanoTime();
      long readingSince = System.nanoTime(); // the clock is not read while reading pauses
      while (!cancelled.get()) {
        Lsn target = confirm.get();
        if (target.isAfter(sent)) {
          LogSequenceNumber lsn = LogSequenceNumber.valueOf(target.value());
          stream.setFlushedLSN(lsn);
          stream.setAppliedLSN(lsn);
          stream.forceUpdateStatus(); // now: the server learns it even if the service stops next
          sent = target;
          confirmSent.set(target);
        }
        if (window.due(System.nanoTime())) {
          sink.next(window.drain());
        }
        if (sink.requestedFromDownstream() <= 0 || bufferedBytes.getAsLong() > maxBufferedBytes) {
          if (!window.isEmpty()) {
            sink.next(window.drain()); // held by the sink until asked for: never stranded here
          }
          stream.forceUpdateStatus();
          Thread.sleep(5);
          readingSince = System.nanoTime();
          continue;
        }
        ByteBuffer buf = stream.readPending();
        Lsn position = new Lsn(stream.getLastReceiveLSN().asLong());
        lastReceived.set(position);
        if (buf == null) {
          if (!window.isEmpty()) {
            sink.next(window.drain()); // caught up: close the window now
          }
          if (!assembler.inTransaction()) {
            idleListener.idleAt(position);
          }
          if (System.nanoTime() - lastTraffic > PROBE_AFTER_NANOS) {
            // reading alone does not notice a server that died: a write does, and the server
            // answers it (a reply is requested) unless the network has gone silent
            stream.forceUpdateStatus();
            lastTraffic = System.nanoTime();
          }
          long now = System.nanoTime();
          if (Math.min(clock.silentNanos(now), now - readingSince) > receiveTimeout.toNanos()) {
            throw new SQLException(
                "the server sent nothing for "
                    + Durations.format(receiveTimeout)
                    + " (pg_trickle.receive_timeout), not even an answer to the status updates:"
                    + " the connection is taken for lost",
                "08006");
          }
          Thread.sleep(1);
          continue;
        }
        lastTraffic = System.nanoTime();
        var committed = assembler.accept(PgOutputDecoder.decode(buf, assembler.inStreamBlock()));
        committed.filter(WalTransaction::isSpilled).ifPresent(ReplicationSource::logSpilled);
        if (committed.isPresent() && window.add(committed.get(), System.nanoTime())) {
          sink.next(window.drain());
        }
      }
      Lsn last = confirm.get();
      if (last.isAfter(sent)) {
        stream.setFlushedLSN(LogSequenceNumber.valueOf(last.value()));
        stream.setAppliedLSN(LogSequenceNumber.valueOf(last.value()));
      }
      stream.forceUpdateStatus();
      stream.close();
      sink.complete();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      sink.error(e);
    } catch (SQLException | RuntimeException e) {
      sink.error(e);
    } finally {
      streaming.set(false);
      assembler.discardOpen(); // a new connection sends them again
    }
  }

  private Connection connect(ReceiveClock clock) throws SQLException {
    Properties p = new Properties();
    p.putAll(baseProperties);
    // a silent network must not hang opening the connection or a reply the reader waits for
    String seconds = Long.toString(Math.max(1, receiveTimeout.toSeconds()));
    PGProperty.LOGIN_TIMEOUT.set(p, seconds);
    PGProperty.CONNECT_TIMEOUT.set(p, seconds);
    PGProperty.SOCKET_TIMEOUT.set(p, seconds);
    PGProperty.TCP_KEEP_ALIVE.set(p, true);
    clock.install(p);
    PGProperty.REPLICATION.set(p, "database");
    PGProperty.ASSUME_MIN_SERVER_VERSION.set(p, "10");
    PGProperty.PREFER_QUERY_MODE.set(p, "simple");
    PGProperty.APPLICATION_NAME.set(p, "trickle-replication");
    try {
      return DriverManager.getConnection(jdbcUrl, p);
    } finally {
      clock.opened();
    }
  }

  /** Stops the reader thread. */
  @Override
  public void close() {
    readerThread.dispose();
    spill.close();
  }

  private static void logSpilled(WalTransaction tx) {
    long rows = tx.spilled().counts().values().stream().mapToLong(Long::longValue).sum();
    long bytes;
    try {
      bytes = java.nio.file.Files.size(tx.spilled().path());
    } catch (java.io.IOException e) {
      bytes = -1;
    }
    log.info(
        "transaction {} committed at {}: {} row changes held in spill file {} ({} MB)",
        Integer.toUnsignedLong(tx.xid()),
        tx.commitLsn(),
        rows,
        tx.spilled().path().getFileName(),
        bytes >> 20);
  }

  private static String oneLine(Throwable t) {
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
  }
}
