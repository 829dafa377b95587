package dev.trickle.cdc.debezium;

import dev.trickle.cdc.ChangeSource;
import dev.trickle.cdc.ConfirmWait;
import dev.trickle.cdc.ReplicationSource;
import dev.trickle.cdc.TransactionWindow;
import dev.trickle.cdc.WalTransaction;
import dev.trickle.config.DatabaseUrl;
import dev.trickle.config.Durations;
import dev.trickle.model.Lsn;
import io.debezium.embedded.Connect;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.RecordChangeEvent;
import io.debezium.engine.format.ChangeEventFormat;
import java.io.IOException;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.apache.kafka.connect.source.SourceRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.util.retry.Retry;

/**
 * The embedded Debezium PostgreSQL connector (pgoutput plugin, Trickle's slot and publication) as a
 * {@link ChangeSource}. The engine's records are folded into committed transactions by a {@link
 * RecordAssembler} and handed on in windows, like the native reader's. The engine thread blocks
 * while downstream has no demand or the buffers are over budget, so the connector's queue fills and
 * the server holds the WAL.
 *
 * <p>Exactly once: records are marked processed (and so reach the offset store in {@code
 * pgtrickle.pgt_cdc_offsets} and the slot's confirmed position) only once {@link #confirm} has
 * named a position at or past them, i.e. once every stream table's committed frontier includes
 * them. The connector therefore restarts at or before the first transaction some stream table has
 * not absorbed; transactions received again are skipped by the frontiers.
 */
public final class DebeziumSource implements ChangeSource {
  private static final Logger log = LoggerFactory.getLogger(DebeziumSource.class);

  /** Debezium properties Trickle sets unless the pipeline's {@code cdc.debezium} map does. */
  static final Map<String, String> TUNABLE_DEFAULTS =
      Map.of(
          "heartbeat.interval.ms", "500",
          "poll.interval.ms", "5",
          "max.batch.size", "4096",
          "max.queue.size", "16384",
          "retriable.restart.connector.wait.ms", "1000");

  private final DatabaseUrl url;
  private final Properties credentials;
  private final String slot;
  private final String publication;
  private final Duration statusInterval;
  private final Duration maxBackoff;
  private final LongSupplier bufferedBytes;
  private final long maxBufferedBytes;
  private final ReplicationSource.IdleListener idleListener;
  private final int windowMaxTransactions;
  private final Duration windowMaxWait;
  private final Map<String, String> userProperties;
  private final Duration receiveTimeout;
  private volatile long lastHeardNanos = System.nanoTime();
  private volatile Runnable giveUp = () -> {};
  private final AtomicReference<Lsn> confirm = new AtomicReference<>(Lsn.ZERO);
  private final AtomicReference<Lsn> confirmSent = new AtomicReference<>(Lsn.ZERO);
  private final AtomicReference<Lsn> lastReceived = new AtomicReference<>(Lsn.ZERO);
  private final AtomicBoolean streaming = new AtomicBoolean();
  private volatile Consumer<String> requests = r -> {};
  private volatile long lastRecordNanos = System.nanoTime();
  private final AtomicBoolean nudging = new AtomicBoolean();
  private final ScheduledExecutorService nudger =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "trickle-debezium-nudge");
            t.setDaemon(true);
            return t;
          });

  /** How long without records before the connector is nudged. */
  static final Duration NUDGE_INTERVAL = Duration.ofSeconds(2);

  /** WAL written by others past the last received position that warrants a nudge. */
  static final long OTHERS_WROTE_BYTES = 4096;

  /** A record whose offset the connector may store once its position is confirmed. */
  private record Confirmable(Lsn position, RecordChangeEvent<SourceRecord> event) {}

  /**
   * Creates a source; nothing connects until {@link #transactions()} is subscribed.
   *
   * @param url the database (host, port, database, user, sslmode)
   * @param credentials connection properties holding the password, if any
   * @param slot replication slot name
   * @param publication publication name
   * @param statusInterval how often the connector reports its position
   * @param maxBackoff upper bound of the restart backoff
   * @param bufferedBytes current bytes held downstream
   * @param maxBufferedBytes reading pauses above this
   * @param idleListener told about idle positions
   * @param windowMaxTransactions the most transactions in one window
   * @param windowMaxWait the longest a window stays open after its first transaction
   * @param userProperties the pipeline's {@code cdc.debezium} properties
   * @param receiveTimeout silence of the server after which the engine is restarted
   */
  public DebeziumSource(
      DatabaseUrl url,
      Properties credentials,
      String slot,
      String publication,
      Duration statusInterval,
      Duration maxBackoff,
      LongSupplier bufferedBytes,
      long maxBufferedBytes,
      ReplicationSource.IdleListener idleListener,
      int windowMaxTransactions,
      Duration windowMaxWait,
      Map<String, String> userProperties,
      Duration receiveTimeout) {
    this.receiveTimeout = receiveTimeout;
    this.url = url;
    this.credentials = credentials;
    this.slot = slot;
    this.publication = publication;
    this.statusInterval = statusInterval;
    this.maxBackoff = maxBackoff;
    this.bufferedBytes = bufferedBytes;
    this.maxBufferedBytes = maxBufferedBytes;
    this.idleListener = idleListener;
    this.windowMaxTransactions = windowMaxTransactions;
    this.windowMaxWait = windowMaxWait;
    this.userProperties = Map.copyOf(userProperties);
  }

  @Override
  public Flux<List<WalTransaction>> transactions() {
    return Flux.<List<WalTransaction>>create(this::run)
        .retryWhen(
            Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200))
                .maxBackoff(maxBackoff)
                .transientErrors(true)
                .doBeforeRetry(
                    s ->
                        log.warn(
                            "Debezium engine stopped ({}); restarting, attempt {}",
                            oneLine(s.failure()),
                            s.totalRetries() + 1)));
  }

  private void run(FluxSink<List<WalTransaction>> sink) {
    AtomicBoolean cancelled = new AtomicBoolean();
    AtomicBoolean stopped = new AtomicBoolean();
    String binding =
        CatalogOffsetStore.bind(
            () -> DriverManager.getConnection(url.toJdbcUrl(), credentials), slot);
    Deque<Confirmable> confirmables = new ArrayDeque<>();
    RecordAssembler assembler = new RecordAssembler(r -> requests.accept(r));
    TransactionWindow window =
        new TransactionWindow(windowMaxTransactions, windowMaxWait.toNanos());
    DebeziumEngine<RecordChangeEvent<SourceRecord>> engine =
        DebeziumEngine.create(ChangeEventFormat.of(Connect.class))
            .using(properties(binding))
            .using(
                new DebeziumEngine.ConnectorCallback() {
                  @Override
                  public void taskStarted() {
                    log.info("Debezium connector started on slot {} ({})", slot, publication);
                  }

                  @Override
                  public void taskStopped() {
                    streaming.set(false);
                  }
                })
            .using(
                (success, message, error) -> {
                  streaming.set(false);
                  stopped.set(true);
                  CatalogOffsetStore.unbind(binding);
                  if (cancelled.get()) {
                    sink.complete();
                  } else if (error != null) {
                    sink.error(error);
                  } else {
                    sink.error(new IllegalStateException("Debezium engine stopped: " + message));
                  }
                })
            .notifying(
                (records, committer) -> {
                  // records (at least heartbeats) arrive only once the slot is being streamed
                  streaming.set(true);
                  if (records.stream().anyMatch(e -> !isHeartbeat(e.record()))) {
                    lastRecordNanos = System.nanoTime();
                    lastHeardNanos = lastRecordNanos;
                  }
                  for (RecordChangeEvent<SourceRecord> event : records) {
                    RecordAssembler.Outcome out = assembler.accept(event.record());
                    out.transaction()
                        .ifPresent(
                            tx -> {
                              if (window.add(tx, System.nanoTime())) {
                                sink.next(window.drain());
                              }
                            });
                    if (out.position() != null) {
                      confirmables.addLast(new Confirmable(out.position(), event));
                      if (out.idle()) {
                        idleListener.idleAt(out.position());
                      }
                    }
                  }
                  lastReceived.set(assembler.lastPosition());
                  if (!window.isEmpty()) {
                    sink.next(window.drain()); // the batch is consumed: caught up for now
                  }
                  markConfirmed(confirmables, committer);
                  while (!cancelled.get()
                      && (sink.requestedFromDownstream() <= 0
                          || bufferedBytes.getAsLong() > maxBufferedBytes)) {
                    Thread.sleep(5);
                    lastHeardNanos = System.nanoTime(); // not reading: silence is ours
                    markConfirmed(confirmables, committer);
                  }
                })
            .build();
    ExecutorService thread =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "trickle-debezium");
              t.setDaemon(true);
              return t;
            });
    sink.onDispose(
        () -> {
          cancelled.set(true);
          try {
            if (!stopped.get()) {
              engine.close();
            }
          } catch (IOException | RuntimeException e) {
            log.warn("stopping the Debezium engine: {}", oneLine(e));
          }
          thread.shutdown();
        });
    lastHeardNanos = System.nanoTime();
    giveUp =
        () -> {
          streaming.set(false);
          sink.error(
              new java.sql.SQLException(
                  "the server sent nothing for "
                      + Durations.format(receiveTimeout)
                      + " (pg_trickle.receive_timeout), not even a ping through the slot: the"
                      + " connection is taken for lost",
                  "08006"));
        };
    thread.execute(engine);
    if (nudging.compareAndSet(false, true)) {
      var unused =
          nudger.scheduleWithFixedDelay(
              () -> {
                nudgeWhenOthersWrite();
                watchSilence();
              },
              WATCH_INTERVAL.toMillis(),
              WATCH_INTERVAL.toMillis(),
              TimeUnit.MILLISECONDS);
    }
  }

  /** How often the nudge and the silence watch run. */
  static final Duration WATCH_INTERVAL = Duration.ofMillis(500);

  /**
   * The connector cannot tell a quiet server from a silent network (its heartbeats are made
   * locally). After half of {@code receive_timeout} without a record from the server, an empty
   * transaction with a logical message ({@code trickle.heartbeat}) is committed: it comes back
   * through the slot unless the network is silent. After the whole timeout the engine is stopped
   * and started again with backoff.
   */
  private void watchSilence() {
    long silent = System.nanoTime() - lastHeardNanos;
    if (!streaming.get() || silent < receiveTimeout.toNanos() / 2) {
      return;
    }
    if (silent > receiveTimeout.toNanos()) {
      log.warn(
          "Debezium connector: nothing from the server for {}; restarting it",
          Durations.format(receiveTimeout));
      Runnable stop = giveUp;
      giveUp = () -> {};
      // stopping the engine may wait for the connector: not on this thread
      Thread t = new Thread(stop, "trickle-debezium-give-up");
      t.setDaemon(true);
      t.start();
      return;
    }
    ping();
  }

  private void ping() {
    try (java.sql.Connection conn =
            DriverManager.getConnection(url.toJdbcUrl(), nudgeProperties());
        java.sql.Statement st = conn.createStatement()) {
      st.execute("SELECT pg_logical_emit_message(true, 'trickle.heartbeat', '')");
    } catch (java.sql.SQLException | RuntimeException e) {
      log.debug("cannot ping through the slot: {}", oneLine(e));
    }
  }

  /**
   * The connector learns new positions only from records: while only tables outside the publication
   * change, it would hold the slot (and the server's WAL) where it is. When the server has written
   * more than {@link #OTHERS_WROTE_BYTES} past the last position received and nothing arrived for a
   * {@link #NUDGE_INTERVAL}, an empty transaction with a logical message is committed; it arrives
   * as a transaction of its own, and the slot may move past it.
   */
  private void nudgeWhenOthersWrite() {
    if (!streaming.get()
        || System.nanoTime() - lastRecordNanos < NUDGE_INTERVAL.toNanos()
        || System.nanoTime() - lastNudgeNanos < NUDGE_INTERVAL.toNanos()) {
      return;
    }
    lastNudgeNanos = System.nanoTime();
    try (java.sql.Connection conn =
            DriverManager.getConnection(url.toJdbcUrl(), nudgeProperties());
        java.sql.Statement st = conn.createStatement();
        java.sql.ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text")) {
      rs.next();
      Lsn server = Lsn.parse(rs.getString(1));
      if (server.value() - lastReceived.get().value() > OTHERS_WROTE_BYTES) {
        st.execute("SELECT pg_logical_emit_message(true, 'trickle.heartbeat', '')");
      }
    } catch (java.sql.SQLException | RuntimeException e) {
      log.debug("cannot nudge the Debezium connector: {}", oneLine(e));
    }
  }

  private volatile long lastNudgeNanos;

  private Properties nudgeProperties() {
    Properties p = new Properties();
    p.putAll(credentials);
    String seconds = Long.toString(Math.max(1, receiveTimeout.toSeconds() / 2));
    p.setProperty("loginTimeout", seconds);
    p.setProperty("connectTimeout", seconds);
    p.setProperty("socketTimeout", seconds);
    p.setProperty("ApplicationName", "trickle-debezium-nudge");
    return p;
  }

  /** Lets the connector store the newest offset at or before the confirmed position. */
  private void markConfirmed(
      Deque<Confirmable> confirmables,
      DebeziumEngine.RecordCommitter<RecordChangeEvent<SourceRecord>> committer)
      throws InterruptedException {
    Lsn target = confirm.get();
    Confirmable last = null;
    while (!confirmables.isEmpty() && !confirmables.peekFirst().position().isAfter(target)) {
      last = confirmables.removeFirst();
    }
    if (last == null) {
      return;
    }
    committer.markProcessed(last.event());
    committer.markBatchFinished();
    confirmSent.accumulateAndGet(last.position(), Lsn::max);
  }

  private Properties properties(String binding) {
    Properties p = new Properties();
    p.putAll(TUNABLE_DEFAULTS);
    p.setProperty("status.update.interval.ms", Long.toString(statusInterval.toMillis()));
    // the connector's connections must not wait forever on a silent network
    String seconds = Long.toString(Math.max(1, receiveTimeout.toSeconds()));
    p.setProperty("driver.loginTimeout", seconds);
    p.setProperty("driver.socketTimeout", seconds);
    p.putAll(userProperties);
    p.setProperty("name", "trickle-" + slot);
    p.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
    p.setProperty("offset.storage", CatalogOffsetStore.class.getName());
    p.setProperty(CatalogOffsetStore.BINDING, binding);
    p.setProperty("offset.flush.interval.ms", "0");
    p.setProperty("database.hostname", url.host());
    p.setProperty("database.port", Integer.toString(url.port()));
    p.setProperty("database.user", url.user());
    String password = credentials.getProperty("password");
    if (password != null) {
      p.setProperty("database.password", password);
    }
    p.setProperty("database.dbname", url.database());
    String sslmode = url.params().get("sslmode");
    if (sslmode != null && !userProperties.containsKey("database.sslmode")) {
      p.setProperty("database.sslmode", sslmode);
    }
    p.setProperty("topic.prefix", "trickle_" + slot); // names the connector's JMX beans too
    p.setProperty("plugin.name", "pgoutput");
    p.setProperty("slot.name", slot);
    p.setProperty("publication.name", publication);
    p.setProperty("publication.autocreate.mode", "disabled");
    p.setProperty("snapshot.mode", "no_data");
    p.setProperty("provide.transaction.metadata", "true");
    p.setProperty("skipped.operations", "none");
    p.setProperty("tombstones.on.delete", "false");
    p.setProperty("converters", "pgtext");
    p.setProperty("pgtext.type", PgTextConverter.class.getName());
    return p;
  }

  @Override
  public void confirm(Lsn position) {
    confirm.accumulateAndGet(position, Lsn::max);
  }

  @Override
  public boolean awaitConfirmSent(Lsn position, Duration timeout) {
    return ConfirmWait.until(confirmSent::get, streaming::get, position, timeout);
  }

  @Override
  public boolean isStreaming() {
    return streaming.get();
  }

  @Override
  public Lsn lastReceived() {
    return lastReceived.get();
  }

  @Override
  public void onRequest(Consumer<String> listener) {
    this.requests = listener;
  }

  @Override
  public void close() {
    streaming.set(false);
    nudger.shutdownNow();
  }

  private static boolean isHeartbeat(SourceRecord record) {
    return record.topic() != null && record.topic().startsWith("__debezium-heartbeat");
  }

  private static String oneLine(Throwable t) {
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : m.lines().findFirst().orElse(m);
  }
}
