package dev.trickle.service;

import dev.trickle.catalog.CatalogStore;
import dev.trickle.cdc.ChangeSource;
import dev.trickle.cdc.ChangeStore;
import dev.trickle.faults.CrashPoints;
import dev.trickle.model.Lsn;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records and confirms the slot position. Trickle tells the server only positions it has first
 * recorded in {@code pgtrickle.pgt_slots}, so a slot found ahead of the record at start-up was
 * moved by someone else. Records are written when a refresh let the position advance, and at idle
 * at most every {@link #IDLE_RECORD_INTERVAL}; an advance no larger than the record's own WAL is
 * not recorded (each record is itself a little WAL, which must not feed a loop of writes on an idle
 * server). Called from one thread.
 */
final class SlotKeeper {
  private static final Logger log = LoggerFactory.getLogger(SlotKeeper.class);

  /** Least time between two records of an idle pipeline. */
  static final Duration IDLE_RECORD_INTERVAL = Duration.ofSeconds(2);

  /** WAL written by one position record (with its commit), which alone never prompts another. */
  static final long OWN_WRITE_SLACK_BYTES = 4096;

  private final Database db;
  private final ChangeStore store;
  private final ChangeSource source;
  private final String slot;
  private final String publication;
  private final Runnable catalogOk;
  private volatile Lsn savedPosition;
  private long lastRecordNanos;
  private long absorbedAtLastRecord;
  private Lsn ownRecordEnd = Lsn.ZERO;

  SlotKeeper(
      Database db,
      ChangeStore store,
      ChangeSource source,
      String slot,
      String publication,
      Lsn recorded,
      Runnable catalogOk) {
    this.db = db;
    this.store = store;
    this.source = source;
    this.slot = slot;
    this.publication = publication;
    this.savedPosition = recorded;
    this.catalogOk = catalogOk;
  }

  /** The position last recorded (and so confirmed or about to be). */
  Lsn savedPosition() {
    return savedPosition;
  }

  /**
   * Records and confirms the confirmable position when worth it.
   *
   * @param force record any advance (at shutdown)
   */
  void keep(boolean force) {
    Lsn target = store.confirmable();
    if (!target.isAfter(savedPosition)) {
      return;
    }
    long now = System.nanoTime();
    boolean refreshed = store.absorbedCount() != absorbedAtLastRecord;
    boolean othersWrote = target.value() > ownRecordEnd.value() + OWN_WRITE_SLACK_BYTES;
    if (!force
        && !refreshed
        && (!othersWrote || now - lastRecordNanos < IDLE_RECORD_INTERVAL.toNanos())) {
      return;
    }
    try (Connection conn = db.connect()) {
      ownRecordEnd = CatalogStore.saveSlotPosition(conn, slot, publication, target);
      savedPosition = target;
      lastRecordNanos = now;
      absorbedAtLastRecord = store.absorbedCount();
      CrashPoints.reached(CrashPoints.Point.AFTER_SLOT_RECORD);
      source.confirm(target);
      catalogOk.run();
    } catch (SQLException | RuntimeException e) {
      log.warn("cannot record the slot position: {}", e.getMessage());
    }
  }
}
