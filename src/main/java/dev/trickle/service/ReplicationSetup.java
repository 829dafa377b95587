package dev.trickle.service;

import dev.trickle.catalog.CatalogStore;
import dev.trickle.model.Lsn;
import dev.trickle.model.TableRef;
import dev.trickle.model.UserError;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Prepares the server side of a pipeline at start-up: the publication (published via partition
 * roots), the replication slot and its identity check, source tables in the publication with the
 * replica identity their stream tables need, and the wait for transactions older than a publication
 * change.
 */
final class ReplicationSetup {
  private static final Logger log = LoggerFactory.getLogger(ReplicationSetup.class);

  private ReplicationSetup() {}

  static void ensurePublication(Connection conn, String publication) throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement("SELECT pubviaroot FROM pg_publication WHERE pubname = ?")) {
      ps.setString(1, publication);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          if (!rs.getBoolean(1)) {
            try (Statement st = conn.createStatement()) {
              st.execute(
                  "ALTER PUBLICATION "
                      + TableRef.quoteIdent(publication)
                      + " SET (publish_via_partition_root = true)");
            }
            log.info("set publish_via_partition_root on publication {}", publication);
          }
          return;
        }
      }
    }
    try (Statement st = conn.createStatement()) {
      // changes of partitions arrive under the partitioned table's name, as stream tables read it
      st.execute(
          "CREATE PUBLICATION "
              + TableRef.quoteIdent(publication)
              + " WITH (publish_via_partition_root = true)");
    }
    log.info("created publication {}", publication);
  }

  /** Why a start-up found that changes may have been missed, for the log and a metric. */
  enum Gap {
    /** The slot had disappeared. */
    SLOT_DROPPED,
    /** The slot was ahead of the recorded position (recreated, or advanced by someone else). */
    SLOT_MOVED,
    /**
     * The server invalidated the slot ({@code max_slot_wal_keep_size}: {@code wal_status lost}).
     */
    SLOT_INVALIDATED
  }

  /**
   * Makes sure the slot exists and can stream, and checks it against the recorded position.
   *
   * @return why stream tables must be filled again, if they must
   */
  static Optional<Gap> ensureSlot(Connection conn, String slot, String publication)
      throws SQLException {
    Optional<Lsn> recorded = CatalogStore.slotPosition(conn, slot);
    Lsn confirmed = null;
    boolean lost = false;
    try (PreparedStatement ps =
        conn.prepareStatement(
            "SELECT confirmed_flush_lsn::text, plugin, database = current_database(), wal_status"
                + " = 'lost' FROM pg_replication_slots WHERE slot_name = ?")) {
      ps.setString(1, slot);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          if (!"pgoutput".equals(rs.getString(2)) || !rs.getBoolean(3)) {
            throw new UserError(
                "replication slot "
                    + slot
                    + " belongs to another database or plugin; choose another cdc.slot");
          }
          confirmed = rs.getString(1) == null ? Lsn.ZERO : Lsn.parse(rs.getString(1));
          lost = rs.getBoolean(4);
        }
      }
    }
    if (lost) {
      // the server removed WAL the slot still needed: it can never stream again
      try (PreparedStatement ps = conn.prepareStatement("SELECT pg_drop_replication_slot(?)")) {
        ps.setString(1, slot);
        ps.execute();
      }
      log.warn(
          "replication slot {} was invalidated by the server (wal_status lost: it fell more than"
              + " max_slot_wal_keep_size behind); dropped it to create it again",
          slot);
      confirmed = null;
    }
    Optional<Gap> gap = Optional.empty();
    if (confirmed == null) {
      try (PreparedStatement ps =
          conn.prepareStatement(
              "SELECT lsn::text FROM pg_create_logical_replication_slot(?, 'pgoutput')")) {
        ps.setString(1, slot);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          confirmed = Lsn.parse(rs.getString(1));
        }
      }
      log.info("created replication slot {} at {}", slot, confirmed);
      if (lost) {
        gap = Optional.of(Gap.SLOT_INVALIDATED);
        resnapshot(
            conn,
            slot,
            "replication slot "
                + slot
                + " had been invalidated by max_slot_wal_keep_size and was created again");
      } else if (recorded.isPresent()) {
        gap = Optional.of(Gap.SLOT_DROPPED);
        resnapshot(
            conn, slot, "replication slot " + slot + " had disappeared and was created again");
      }
    } else if (recorded.isPresent() && confirmed.isAfter(recorded.get())) {
      gap = Optional.of(Gap.SLOT_MOVED);
      resnapshot(
          conn,
          slot,
          "replication slot "
              + slot
              + " is at "
              + confirmed
              + " but Trickle confirmed only "
              + recorded.get()
              + " (dropped and recreated, or advanced by someone else)");
    }
    if (recorded.isPresent() && recorded.get().isAfter(confirmed)) {
      // a server crash reverts a slot to its last checkpointed position; nothing is missing
      log.info(
          "replication slot {} is at {}, behind the recorded {}: the transactions in between are"
              + " received again and skipped where a frontier already includes them",
          slot,
          confirmed,
          recorded.get());
    }
    if (recorded.isPresent()) {
      CatalogStore.resetSlotPosition(conn, slot, confirmed);
    } else {
      CatalogStore.saveSlotPosition(conn, slot, publication, confirmed);
    }
    return gap;
  }

  private static void resnapshot(Connection conn, String slot, String why) throws SQLException {
    int n = CatalogStore.forgetFrontiers(conn, slot);
    log.warn(
        "{}: changes may have been missed, so {} stream table(s) will be filled again", why, n);
  }

  /**
   * Puts a stream table's sources in the publication, with the replica identity they need. Sources
   * that do not exist yet (stream tables it reads that are created with it) are left for a later
   * call, made once they exist.
   *
   * @return whether a table was added to the publication
   */
  static boolean prepareSources(Connection conn, Plan p, String publication) throws SQLException {
    for (TableRef t : p.needsReplicaIdentityFull()) {
      String identity = replicaIdentity(conn, t);
      if (identity == null || identity.equals("f")) {
        continue;
      }
      try (Statement st = conn.createStatement()) {
        st.execute("ALTER TABLE " + t.quoted() + " REPLICA IDENTITY FULL");
      }
      log.info(
          "set REPLICA IDENTITY FULL on {} (stream table {} needs old row images)", t, p.name());
    }
    boolean added = false;
    for (TableRef t : new LinkedHashSet<>(p.sources())) {
      if (replicaIdentity(conn, t) == null) {
        continue;
      }
      try (PreparedStatement ps =
          conn.prepareStatement(
              "SELECT 1 FROM pg_publication_tables WHERE pubname = ? AND schemaname = ? AND"
                  + " tablename = ?")) {
        ps.setString(1, publication);
        ps.setString(2, t.schema());
        ps.setString(3, t.name());
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            continue;
          }
        }
      }
      try (Statement st = conn.createStatement()) {
        st.execute(
            "ALTER PUBLICATION " + TableRef.quoteIdent(publication) + " ADD TABLE " + t.quoted());
      }
      log.info("added {} to publication {}", t, publication);
      added = true;
    }
    return added;
  }

  /** A table's replica identity ({@code d}, {@code n}, {@code f} or {@code i}), null if none. */
  private static String replicaIdentity(Connection conn, TableRef t) throws SQLException {
    try (PreparedStatement ps =
        conn.prepareStatement(
            "SELECT c.relreplident::text FROM pg_class c JOIN pg_namespace n ON n.oid ="
                + " c.relnamespace WHERE n.nspname = ? AND c.relname = ?")) {
      ps.setString(1, t.schema());
      ps.setString(2, t.name());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    }
  }

  /**
   * Waits, as {@link #waitForOlderTransactions}, for the transactions running now, except one: the
   * caller of a SQL function that waits for this service (it cannot end before the service
   * answers). Its own changes reach the stream table through the FULL refresh that starts
   * maintaining it after its commit.
   *
   * @param conn an autocommit connection
   * @param exceptXid the caller's transaction id ({@code txid_current()}), or null
   */
  static void waitForTransactionsRunningNow(Connection conn, String exceptXid) throws SQLException {
    List<String> running = new ArrayList<>();
    try (Statement st = conn.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT x::text FROM pg_snapshot_xip(pg_current_snapshot()) x")) {
      while (rs.next()) {
        if (!rs.getString(1).equals(exceptXid)) {
          running.add(rs.getString(1));
        }
      }
    }
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    try (PreparedStatement ps = conn.prepareStatement("SELECT pg_xact_status(?::xid8)")) {
      for (String xid : running) {
        while (true) {
          ps.setString(1, xid);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            if (!"in progress".equals(rs.getString(1))) {
              break;
            }
          }
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                "transactions older than the publication change are still running after 10"
                    + " minutes");
          }
          try {
            Thread.sleep(50);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }
  }

  /**
   * Waits until every transaction that was running when sources were added to the publication has
   * ended, so that none of their changes escape both the first snapshot and the stream (as CREATE
   * INDEX CONCURRENTLY waits out older transactions).
   */
  static void waitForOlderTransactions(Connection conn) throws SQLException {
    long horizon;
    try (Statement st = conn.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint")) {
      rs.next();
      horizon = rs.getLong(1);
    }
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (System.nanoTime() < deadline) {
      try (Statement st = conn.createStatement();
          ResultSet rs =
              st.executeQuery("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")) {
        rs.next();
        if (rs.getLong(1) >= horizon) {
          return;
        }
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
    throw new IllegalStateException(
        "transactions older than the publication change are still running after 10 minutes");
  }
}
