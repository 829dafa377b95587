package dev.trickle.service;

import dev.trickle.catalog.TemplateStore;
import dev.trickle.dvm.DvmLimits;
import dev.trickle.dvm.ProbeResult;
import dev.trickle.dvm.QueryProbe;
import dev.trickle.dvm.RefreshSql;
import dev.trickle.dvm.RefreshSqlBuilder;
import dev.trickle.observe.Metrics;
import dev.trickle.refresh.StreamTable;
import dev.trickle.refresh.TemplateCache;
import java.sql.Connection;
import java.util.Optional;

/**
 * Loads a stream table's generated SQL when the in-memory cache misses: from the catalog-level
 * cache, or, when the catalog no longer has it, generated again from the stream table's query
 * (probed in a transaction that is rolled back) and stored there.
 */
final class TemplateLoader implements TemplateCache.Loader {
  private final Database db;
  private final DvmLimits limits;
  private final int maxEntries;
  private final Metrics metrics;

  TemplateLoader(Database db, DvmLimits limits, int maxEntries, Metrics metrics) {
    this.db = db;
    this.limits = limits;
    this.maxEntries = maxEntries;
    this.metrics = metrics;
  }

  @Override
  public RefreshSql load(StreamTable st) throws Exception {
    try (Connection conn = db.connect()) {
      Optional<RefreshSql> cached = TemplateStore.load(conn, st.id(), st.templateVersion());
      metrics.templateCatalogLookup(cached.isPresent());
      if (cached.isPresent()) {
        return cached.get();
      }
      RefreshSql sql;
      conn.setAutoCommit(false);
      try {
        ProbeResult probe = QueryProbe.probeInTransaction(conn, st.name().toString(), st.query());
        sql =
            RefreshSqlBuilder.forQuery(
                st.id(), st.name(), st.query(), probe, st.strategy(), limits);
      } finally {
        conn.rollback();
        conn.setAutoCommit(true);
      }
      TemplateStore.save(conn, st.id(), st.templateVersion(), sql, maxEntries);
      return sql;
    }
  }
}
