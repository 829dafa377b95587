package dev.trickle.service;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One service instance per slot: a session-level advisory lock, keyed by the slot's name, held on a
 * connection of its own for as long as the pipeline runs. A second instance started on the same
 * pipeline waits (stands by, not ready) and takes over when the holder's session ends: when it
 * stops, or dies and the server drops its connection.
 */
final class Leadership implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Leadership.class);

  /** First key of Trickle's slot locks ({@code 'trkl'}); the second is a hash of the slot name. */
  static final int LOCK_CLASS = 0x74726b6c;

  /** How often a standing-by instance tries again. */
  static final Duration RETRY = Duration.ofMillis(500);

  /** How often the holder checks that its lock's session still answers. */
  static final Duration CHECK = Duration.ofSeconds(2);

  /** What a {@link #check} found. */
  enum Standing {
    /** The lock's session answers: still held. */
    HELD,
    /** The session broke and no other instance had taken the lock: taken again. */
    RETAKEN,
    /** The session broke and another instance holds the lock now. */
    LOST,
    /** The session broke and the database does not answer: tried again at the next check. */
    UNKNOWN
  }

  private final Database db;
  private final String slot;
  private Connection conn;
  private boolean brokenLogged;
  private String lostTo = "";

  private Leadership(Database db, String slot, Connection conn) {
    this.db = db;
    this.slot = slot;
    this.conn = conn;
  }

  /**
   * Checks that the lock is still held, that is that its session answers. A session that broke (a
   * network cut, its server process terminated) took the lock with it: then the lock is taken again
   * on a new connection unless another instance has it already, which this instance must then leave
   * the slot to.
   *
   * @return what was found
   */
  synchronized Standing check() {
    try {
      if (conn.isValid((int) CHECK.toSeconds())) {
        return Standing.HELD;
      }
    } catch (SQLException e) {
      log.debug("checking the slot lock's connection: {}", e.getMessage());
    }
    close();
    Connection fresh = null;
    try {
      fresh = db.connect();
      if (tryLock(fresh, slot)) {
        log.warn("the connection holding slot {}'s lock broke; took the lock again", slot);
        conn = fresh; // the lock belongs to this session now: keep it open
        fresh = null;
        brokenLogged = false;
        return Standing.RETAKEN;
      }
      lostTo = holder(fresh, slot);
      log.error(
          "the connection holding slot {}'s lock broke and another Trickle instance ({}) holds it"
              + " now: this instance stops streaming so that one streams alone",
          slot,
          lostTo);
      return Standing.LOST;
    } catch (SQLException e) {
      if (!brokenLogged) {
        brokenLogged = true;
        log.warn(
            "the connection holding slot {}'s lock broke and the database does not answer; trying"
                + " to take the lock again: {}",
            slot,
            e.getMessage());
      }
      return Standing.UNKNOWN;
    } finally {
      closeQuietly(fresh);
    }
  }

  private static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        log.debug("closing a connection: {}", e.getMessage());
      }
    }
  }

  /** Who took the lock when a {@link #check} found it {@link Standing#LOST}. */
  synchronized String lostTo() {
    return lostTo;
  }

  /**
   * Takes the slot's lock, waiting while another instance holds it.
   *
   * @param db the database
   * @param slot the slot
   * @param standingBy told (once) who holds the lock when this instance has to wait
   * @param cancelled whether to give up waiting
   * @return the held lock, or null when cancelled
   * @throws SQLException when the database cannot be reached
   * @throws InterruptedException when interrupted while waiting
   */
  static Leadership acquire(
      Database db,
      String slot,
      java.util.function.Consumer<String> standingBy,
      BooleanSupplier cancelled)
      throws SQLException, InterruptedException {
    Connection conn = db.connect();
    boolean told = false;
    try {
      while (!cancelled.getAsBoolean()) {
        if (tryLock(conn, slot)) {
          if (told) {
            log.info("took over slot {}: this instance streams it now", slot);
          }
          Leadership held = new Leadership(db, slot, conn);
          conn = null;
          return held;
        }
        if (!told) {
          String holder = holder(conn, slot);
          log.warn(
              "another Trickle instance ({}) streams slot {}; standing by until it stops",
              holder,
              slot);
          standingBy.accept(holder);
          told = true;
        }
        Thread.sleep(RETRY.toMillis());
      }
      return null;
    } finally {
      if (conn != null) {
        conn.close();
      }
    }
  }

  private static boolean tryLock(Connection conn, String slot) throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement("SELECT pg_try_advisory_lock(?, hashtext(?))")) {
      ps.setInt(1, LOCK_CLASS);
      ps.setString(2, slot);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /** Who holds the lock: process id, application and client address, as far as visible. */
  private static String holder(Connection conn, String slot) throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "SELECT l.pid, a.application_name, a.client_addr::text FROM pg_locks l LEFT JOIN"
                + " pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND l.granted"
                + " AND l.classid = ?::bigint::oid AND l.objid = (hashtext(?)::bigint & 4294967295)::oid AND"
                + " l.objsubid = 2")) {
      ps.setInt(1, LOCK_CLASS);
      ps.setString(2, slot);
      try (ResultSet rs = ps.executeQuery()) {
        if (!rs.next()) {
          return "gone already";
        }
        String addr = rs.getString(3);
        return "server process "
            + rs.getInt(1)
            + (addr == null ? ", local" : ", from " + addr)
            + (rs.getString(2) == null ? "" : ", " + rs.getString(2));
      }
    }
  }

  /** Releases the lock (ends its session). */
  @Override
  public synchronized void close() {
    try {
      conn.close();
    } catch (SQLException e) {
      log.debug("closing the slot lock's connection: {}", e.getMessage());
    }
  }
}
