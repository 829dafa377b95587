package dev.trickle.service;

import dev.trickle.refresh.StreamTable;
import dev.trickle.scheduler.Scheduler;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks at the sources of the maintained stream tables once a second and asks the scheduler for a
 * refresh of each one whose sources no longer are as planned; that refresh checks them in its
 * snapshot and takes the stream table to ERROR. Every refresh checks its sources anyway; this
 * catches the changes after which nothing is written (a table dropped, or created again: the new
 * table is not in the publication, so none of its changes arrive).
 */
final class SourceWatch {
  private static final Logger log = LoggerFactory.getLogger(SourceWatch.class);

  /** Stream tables checked by one statement. */
  private static final int PER_STATEMENT = 100;

  private final Database db;
  private final Scheduler scheduler;
  private final Supplier<List<StreamTable>> tables;
  private Connection conn;

  SourceWatch(Database db, Scheduler scheduler, Supplier<List<StreamTable>> tables) {
    this.db = db;
    this.scheduler = scheduler;
    this.tables = tables;
  }

  /** Checks every maintained stream table once (on the slot keeper's thread). */
  void run() {
    List<StreamTable> watched = new ArrayList<>();
    for (StreamTable st : tables.get()) {
      if (!st.sourceSchema().sources().isEmpty() && scheduler.sourceChange(st.id()).isEmpty()) {
        watched.add(st);
      }
    }
    try {
      for (int i = 0; i < watched.size(); i += PER_STATEMENT) {
        List<StreamTable> part = watched.subList(i, Math.min(watched.size(), i + PER_STATEMENT));
        List<String> observed = observe(connection(), part);
        for (int j = 0; j < part.size(); j++) {
          StreamTable st = part.get(j);
          if (st.sourceSchema().changeIn(st.sourceSchema().parse(observed.get(j))).isPresent()) {
            scheduler.recheck(st.id());
          }
        }
      }
    } catch (SQLException | RuntimeException e) {
      log.debug("cannot look at the sources: {}", e.getMessage());
      close();
    }
  }

  /**
   * Checks one stream table's sources now, in a statement of its own.
   *
   * @return the change, in one line, or empty when its sources are as planned
   */
  static Optional<String> check(Database db, StreamTable st) {
    if (st.sourceSchema().sources().isEmpty()) {
      return Optional.empty();
    }
    try (Connection c = db.connect()) {
      return st.sourceSchema().changeIn(st.sourceSchema().parse(observe(c, List.of(st)).get(0)));
    } catch (SQLException e) {
      return Optional.empty();
    }
  }

  private static List<String> observe(Connection c, List<StreamTable> part) throws SQLException {
    StringBuilder sql = new StringBuilder("SELECT ");
    for (int j = 0; j < part.size(); j++) {
      sql.append(j == 0 ? "" : ", ").append(part.get(j).sourceSchema().observeSql());
    }
    List<String> out = new ArrayList<>();
    try (Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql.toString())) {
      rs.next();
      for (int j = 0; j < part.size(); j++) {
        out.add(rs.getString(j + 1));
      }
    }
    return out;
  }

  private Connection connection() throws SQLException {
    if (conn == null || conn.isClosed()) {
      conn = db.connect();
    }
    return conn;
  }

  /** Closes its connection. */
  void close() {
    try {
      if (conn != null) {
        conn.close();
      }
    } catch (SQLException e) {
      log.debug("closing: {}", e.getMessage());
    }
    conn = null;
  }
}
