package dev.trickle.service;

import dev.trickle.advisor.Advisor;
import dev.trickle.advisor.Observations;
import dev.trickle.advisor.Recommendation;
import dev.trickle.catalog.CatalogStore;
import dev.trickle.cdc.ChangeStore;
import dev.trickle.config.Settings;
import dev.trickle.model.Lsn;
import dev.trickle.observe.Metrics;
import dev.trickle.refresh.RefreshExecutor;
import dev.trickle.refresh.StreamTable;
import dev.trickle.refresh.TemplateCache;
import dev.trickle.scheduler.Scheduler;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the configuration advisor about once a second: samples the service (workers, queue, WAL not
 * yet confirmed, buffer, template cache), keeps the samples of {@code monitoring.advisor_window},
 * asks {@link Advisor} for recommendations and publishes them to {@code
 * pgtrickle.pgt_tune_recommendations} when they change. Called from one thread.
 */
final class AdvisorLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdvisorLoop.class);

  private final Database db;
  private final Metrics metrics;
  private final Scheduler scheduler;
  private final ChangeStore store;
  private final RefreshExecutor executor;
  private final Supplier<List<StreamTable>> tables;
  private final Supplier<Lsn> confirmed;
  private final Observations.Limits limits;
  private final long windowMillis;
  private final ArrayDeque<Observations.Sample> samples = new ArrayDeque<>();

  /** A connection kept for reading the server's WAL position, reopened after a failure. */
  private Connection walConnection;

  private volatile List<Recommendation> current = List.of();
  private List<Recommendation> published;

  AdvisorLoop(
      Database db,
      Metrics metrics,
      Scheduler scheduler,
      ChangeStore store,
      RefreshExecutor executor,
      Supplier<List<StreamTable>> tables,
      Supplier<Lsn> confirmed,
      Settings settings) {
    this.db = db;
    this.metrics = metrics;
    this.scheduler = scheduler;
    this.store = store;
    this.executor = executor;
    this.tables = tables;
    this.confirmed = confirmed;
    this.limits =
        new Observations.Limits(
            settings.scheduler().maxWorkers(),
            settings.cdc().bufferMaxMb(),
            settings.dvm().mergeBatchSize(),
            settings.dvm().l1CacheMaxEntries());
    this.windowMillis = settings.monitoring().advisorWindow().toMillis();
  }

  /** The recommendations of the latest run (none before the first). */
  List<Recommendation> current() {
    return current;
  }

  /** Samples, recommends, and publishes what changed. */
  void run() {
    try {
      long now = System.currentTimeMillis();
      List<StreamTable> sts = tables.get();
      samples.addLast(sample(now, sts));
      while (!samples.isEmpty() && samples.peekFirst().atMillis() < now - windowMillis) {
        samples.removeFirst();
      }
      var refreshes = metrics.refreshLog().since(now - windowMillis);
      Map<String, Observations.StreamTableActivity> activity = new HashMap<>();
      for (StreamTable st : sts) {
        String name = st.name().toString();
        activity.put(
            name,
            new Observations.StreamTableActivity(
                st.schedule(), executor.workMemOf(st), refreshes.getOrDefault(name, List.of())));
      }
      current = Advisor.recommend(new Observations(limits, List.copyOf(samples), activity));
      publish();
    } catch (RuntimeException e) {
      log.warn("configuration advisor: {}", e.getMessage());
    }
  }

  private Observations.Sample sample(long now, List<StreamTable> sts) {
    Map<String, Long> ahead = new HashMap<>();
    for (StreamTable st : sts) {
      ahead.put(st.name().toString(), scheduler.refreshesAheadOfSchedule(st.id()));
    }
    long behind =
        serverWalPosition().map(p -> Math.max(0, p.value() - confirmed.get().value())).orElse(0L);
    return new Observations.Sample(
        now,
        scheduler.activeWorkers(),
        scheduler.targetWorkers(),
        scheduler.queueDepth(),
        behind,
        store.bytes(),
        metrics.total("cache.gets", "cache", TemplateCache.NAME, "result", "hit"),
        metrics.total("cache.gets", "cache", TemplateCache.NAME, "result", "miss"),
        metrics.total("cache.evictions", "cache", TemplateCache.NAME),
        ahead);
  }

  /** The server's current WAL insert position, if it can be read. */
  private java.util.Optional<Lsn> serverWalPosition() {
    try {
      if (walConnection == null) {
        walConnection = db.connect();
      }
      try (Statement s = walConnection.createStatement();
          ResultSet rs = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
        rs.next();
        return java.util.Optional.of(Lsn.parse(rs.getString(1)));
      }
    } catch (SQLException e) {
      close();
      return java.util.Optional.empty();
    }
  }

  private void publish() {
    List<Recommendation> now = current;
    if (now.equals(published)) {
      return;
    }
    try (Connection conn = db.connect()) {
      CatalogStore.saveRecommendations(conn, now);
      published = now;
    } catch (SQLException | RuntimeException e) {
      log.warn("cannot publish tune recommendations: {}", e.getMessage());
    }
  }

  @Override
  public void close() {
    if (walConnection != null) {
      try {
        walConnection.close();
      } catch (SQLException e) {
        log.debug("closing the advisor's connection: {}", e.getMessage());
      }
      walConnection = null;
    }
  }
}
