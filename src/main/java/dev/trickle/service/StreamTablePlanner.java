package dev.trickle.service;

import dev.trickle.config.RefreshMode;
import dev.trickle.dvm.Column;
import dev.trickle.dvm.DvmLimits;
import dev.trickle.dvm.ProbeResult;
import dev.trickle.dvm.QueryProbe;
import dev.trickle.dvm.RefreshSql;
import dev.trickle.dvm.RefreshSqlBuilder;
import dev.trickle.dvm.ShapeParser;
import dev.trickle.dvm.SourceTable;
import dev.trickle.dvm.optree.OpTreeBuilder;
import dev.trickle.dvm.optree.TooComplexException;
import dev.trickle.model.Strategy;
import dev.trickle.model.TableRef;
import dev.trickle.model.UserError;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.postgresql.util.PSQLException;

/**
 * Validates a stream table against the database and plans it: probes the query, picks the row
 * identity strategy, generates the SQL and checks that the server accepts it, all inside one
 * transaction that is rolled back, so validation never changes anything.
 */
public final class StreamTablePlanner {
  private StreamTablePlanner() {}

  /**
   * Plans a stream table.
   *
   * @param conn an autocommit connection
   * @param name the stream table
   * @param query its query
   * @param mode configured refresh mode
   * @param budget preset, workers and memory
   * @param schedule schedule
   * @param setReplicaIdentityFull whether Trickle may set REPLICA IDENTITY FULL on sources
   * @param cdcSource the change source, {@code pgoutput} or {@code debezium} (which cannot carry
   *     every value exactly: {@link SourceValueLimits})
   * @param limits the delta engine's guards
   * @param alreadyRegistered whether the catalog already holds this stream table
   * @param prelude statements run first in the planning transaction (which is rolled back): the
   *     storage of stream tables it reads that are being created with it
   * @return the plan
   * @throws UserError naming the stream table and the problem
   * @throws SQLException on database failures
   */
  public static Plan plan(
      Connection conn,
      TableRef name,
      String query,
      RefreshMode mode,
      dev.trickle.config.ResourceBudget budget,
      Duration schedule,
      boolean setReplicaIdentityFull,
      String cdcSource,
      DvmLimits limits,
      boolean alreadyRegistered,
      List<String> prelude)
      throws SQLException {
    boolean auto = conn.getAutoCommit();
    conn.setAutoCommit(false);
    try {
      if (!alreadyRegistered && tableExists(conn, name)) {
        throw new UserError(
            "stream table "
                + name
                + ": a table of that name already exists and is not a stream table; choose"
                + " another name or drop the table");
      }
      try (java.sql.Statement st = conn.createStatement()) {
        for (String sql : prelude) {
          st.execute(sql);
        }
      }
      ProbeResult probe = QueryProbe.probeInTransaction(conn, name.toString(), query);
      checkColumns(name, probe.columns());
      List<String> warnings = new ArrayList<>();
      for (String f : probe.stableFunctions()) {
        warnings.add(
            "stream table "
                + name
                + ": calls STABLE function "
                + f
                + "; its result is taken at refresh time");
      }
      List<TableRef> identityFull = new ArrayList<>();
      Strategy strategy =
          strategy(
              conn,
              name,
              query,
              mode,
              probe,
              setReplicaIdentityFull,
              cdcSource,
              limits,
              identityFull,
              warnings);
      RefreshSql sql;
      String rejected;
      try {
        sql = RefreshSqlBuilder.forQuery(0, name, query, probe, strategy, limits);
        rejected = checkGeneratedSql(conn, name, sql, alreadyRegistered);
      } catch (TooComplexException e) {
        if (mode == RefreshMode.DIFFERENTIAL) {
          throw new UserError(
              "stream table "
                  + name
                  + ": DIFFERENTIAL refresh impossible: the query "
                  + e.getMessage()
                  + " (use refresh_mode FULL or AUTO, or raise the limit)");
        }
        sql = null;
        rejected = "the query " + e.getMessage();
      }
      if (rejected != null && strategy != Strategy.FULL_ONLY && mode == RefreshMode.AUTO) {
        warnings.add(
            "stream table "
                + name
                + ": AUTO refreshes FULL because its delta SQL was rejected: "
                + rejected);
        identityFull.clear();
        sql =
            RefreshSqlBuilder.build(
                0, name, query, probe.columns(), Strategy.FULL_ONLY, null, null);
        rejected = checkGeneratedSql(conn, name, sql, alreadyRegistered);
      }
      if (rejected != null) {
        throw new UserError("stream table " + name + ": cannot be maintained: " + rejected);
      }
      return new Plan(
          name,
          query,
          mode,
          budget,
          schedule,
          probe,
          sql,
          identityFull,
          warnings,
          limits,
          withShipped(conn, QueryProbe.sourceSchema(conn, sql.strategy() == Strategy.KEYED), sql));
    } finally {
      conn.rollback();
      conn.setAutoCommit(auto);
    }
  }

  /**
   * Adds to what a stream table reads the source columns its deltas ship (a keyless stream table
   * ships whole row images: a column dropped from them would change the rows' identities), so that
   * a change to them is noticed too.
   */
  private static dev.trickle.dvm.SourceSchema withShipped(
      Connection conn, dev.trickle.dvm.SourceSchema schema, RefreshSql sql) throws SQLException {
    List<dev.trickle.dvm.SourceSchema.Source> out = new ArrayList<>();
    for (dev.trickle.dvm.SourceSchema.Source s : schema.sources()) {
      java.util.TreeMap<Integer, dev.trickle.dvm.SourceSchema.ReadColumn> cols =
          new java.util.TreeMap<>();
      s.columns().forEach(c -> cols.put(c.attnum(), c));
      for (RefreshSql.Delta d : sql.deltas()) {
        if (sql.strategy() != Strategy.MULTISET || !d.source().equals(s.table())) {
          continue;
        }
        try (PreparedStatement ps =
            conn.prepareStatement(
                "SELECT attnum, attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE"
                    + " attrelid = ?::oid AND attnum > 0 AND NOT attisdropped AND attname ="
                    + " ANY (?)")) {
          ps.setLong(1, s.oid());
          ps.setArray(2, conn.createArrayOf("text", d.columns().toArray()));
          try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              cols.put(
                  rs.getInt(1),
                  new dev.trickle.dvm.SourceSchema.ReadColumn(
                      rs.getInt(1), rs.getString(2), rs.getString(3)));
            }
          }
        }
      }
      out.add(
          new dev.trickle.dvm.SourceSchema.Source(s.table(), s.oid(), List.copyOf(cols.values())));
    }
    return new dev.trickle.dvm.SourceSchema(out);
  }

  /**
   * The delta engine's guards as configured.
   *
   * @param settings the settings
   * @return the guards
   */
  public static DvmLimits limits(dev.trickle.config.Settings settings) {
    return new DvmLimits(settings.dvm().maxParseDepth(), settings.dvm().maxDiffCtes());
  }

  private static Strategy strategy(
      Connection conn,
      TableRef name,
      String query,
      RefreshMode mode,
      ProbeResult probe,
      boolean setReplicaIdentityFull,
      String cdcSource,
      DvmLimits limits,
      List<TableRef> identityFull,
      List<String> warnings)
      throws SQLException {
    if (!probe.volatileFunctions().isEmpty()) {
      // every refresh runs the query again (FULL) or parts of it (DIFFERENTIAL): a function
      // that may write, or answer differently each time, cannot define a maintained table
      throw new UserError(
          "stream table "
              + name
              + ": the query calls volatile function "
              + String.join(", ", probe.volatileFunctions())
              + ", which may write or answer differently on every call, and every refresh would"
              + " call it again; if it has no side effects and answers the same within a"
              + " statement, declare it STABLE (ALTER FUNCTION ... STABLE)");
    }
    if (mode == RefreshMode.FULL) {
      return Strategy.FULL_ONLY;
    }
    String blocker = null;
    ShapeParser.Outcome shape = ShapeParser.analyse(query, probe);
    boolean aggregate = false;
    boolean join = false;
    boolean tree = false;
    if (blocker == null && !shape.isDifferentiable()) {
      ShapeParser.AggregateOutcome agg = ShapeParser.analyseAggregate(query, probe);
      ShapeParser.JoinOutcome joined =
          agg.shape() == null ? ShapeParser.analyseJoin(query, probe) : null;
      if (agg.shape() != null) {
        aggregate = true;
      } else if (joined.shape() != null) {
        join = true;
      } else {
        OpTreeBuilder.Outcome built = OpTreeBuilder.build(probe, limits.maxParseDepth());
        if (built.tree() != null
            && !QueryProbe.readsTheSame(conn, built.parsed(), probe.canonical())) {
          blocker =
              "is not differentiable: the delta engine's parser reads the query differently from"
                  + " the server";
        } else if (built.tree() != null) {
          tree = true;
          for (String w : built.tree().costWarnings()) {
            warnings.add("stream table " + name + ": the query " + w);
          }
        } else {
          blocker = "is not differentiable: the query " + built.reason();
        }
      }
    }
    Strategy strategy = Strategy.FULL_ONLY;
    if (blocker == null && (join || tree)) {
      strategy = join ? Strategy.JOIN : Strategy.OPTREE;
      for (SourceTable source : probe.sources()) {
        if (blocker == null && source.replicaIdentity() != 'f') {
          blocker =
              identityBlocker(
                  source,
                  setReplicaIdentityFull,
                  identityFull,
                  "feeds a join, whose delta needs old row values,");
        }
      }
    } else if (blocker == null && aggregate) {
      strategy = Strategy.AGGREGATE;
      for (SourceTable source : probe.sources()) {
        if (blocker == null && source.replicaIdentity() != 'f') {
          blocker =
              identityBlocker(
                  source,
                  setReplicaIdentityFull,
                  identityFull,
                  "feeds an aggregate, whose groups change with old row values,");
        }
      }
    } else if (blocker == null) {
      SourceTable source = probe.sources().get(0);
      char identity = source.replicaIdentity();
      if (!source.key().isEmpty()) {
        strategy = Strategy.KEYED;
        if (identity == 'n' || identity == 'i') {
          blocker =
              identityBlocker(
                  source,
                  setReplicaIdentityFull,
                  identityFull,
                  "has a primary key but REPLICA IDENTITY "
                      + (identity == 'n' ? "NOTHING" : "USING INDEX"));
        }
      } else {
        strategy = Strategy.MULTISET;
        if (identity != 'f') {
          blocker =
              identityBlocker(source, setReplicaIdentityFull, identityFull, "has no primary key");
        }
      }
    }
    if (blocker == null) {
      blocker = SourceValueLimits.blocker(cdcSource, strategy, probe.sources());
    }
    if (blocker == null) {
      return strategy;
    }
    if (mode == RefreshMode.DIFFERENTIAL) {
      throw new UserError(
          "stream table "
              + name
              + ": DIFFERENTIAL refresh impossible: "
              + blocker
              + " (use refresh_mode FULL or AUTO)");
    }
    warnings.add("stream table " + name + ": AUTO refreshes FULL because it " + blocker);
    return Strategy.FULL_ONLY;
  }

  private static String identityBlocker(
      SourceTable source, boolean allowed, List<TableRef> identityFull, String why) {
    if (allowed && source.ownedByCurrentUser()) {
      identityFull.add(source.table());
      return null;
    }
    String because =
        allowed
            ? "which Trickle's role may not set because it does not own the table"
            : "which cdc.set_replica_identity_full = false forbids";
    return "source "
        + source.table()
        + " "
        + why
        + " and old row images need REPLICA IDENTITY FULL, "
        + because
        + " (have the owner run ALTER TABLE "
        + source.table().quoted()
        + " REPLICA IDENTITY FULL)";
  }

  private static void checkColumns(TableRef name, List<Column> columns) {
    Set<String> seen = new HashSet<>();
    for (Column c : columns) {
      if (c.name().toLowerCase(Locale.ROOT).startsWith("__pgt_")) {
        throw new UserError(
            "stream table "
                + name
                + ": column \""
                + c.name()
                + "\" uses the reserved prefix __pgt_; rename it with AS");
      }
      if (!seen.add(c.name())) {
        throw new UserError(
            "stream table "
                + name
                + ": column \""
                + c.name()
                + "\" appears twice in the query's output; give each column its own name with AS");
      }
    }
  }

  /**
   * Lets the server check the generated SQL (inside a savepoint that is rolled back).
   *
   * @return null when accepted, else the server's one-line complaint
   */
  private static String checkGeneratedSql(
      Connection conn, TableRef name, RefreshSql sql, boolean alreadyRegistered)
      throws SQLException {
    try (Statement st = conn.createStatement()) {
      st.execute("SAVEPOINT __pgt_check");
      try {
        if (alreadyRegistered) {
          st.execute("DROP TABLE IF EXISTS " + name.quoted());
        }
        for (String s : sql.createStorage()) {
          st.execute(s);
        }
        for (String s : sql.fullRefresh()) {
          st.execute("EXPLAIN " + s);
        }
        boolean bound = false;
        for (var d : sql.deltas()) {
          if (d.bound()) {
            bound = true;
          } else {
            st.execute(d.createTable().replace("IF NOT EXISTS ", ""));
          }
        }
        if (sql.applyDelta() != null && bound) {
          // parameters ($1, ...) cannot be explained without values: preparing the statement
          // checks it all the same (prepared statements outlive savepoints: deallocate it)
          st.execute("PREPARE __pgt_check_delta AS " + sql.applyDelta());
          st.execute("DEALLOCATE __pgt_check_delta");
        } else if (sql.applyDelta() != null) {
          st.execute("EXPLAIN " + sql.applyDelta());
        }
        return null;
      } catch (PSQLException e) {
        return e.getMessage().lines().findFirst().orElse("");
      } finally {
        st.execute("ROLLBACK TO SAVEPOINT __pgt_check");
      }
    }
  }

  private static boolean tableExists(Connection conn, TableRef name) throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE"
                + " n.nspname = ? AND c.relname = ?")) {
      ps.setString(1, name.schema());
      ps.setString(2, name.name());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }
}
