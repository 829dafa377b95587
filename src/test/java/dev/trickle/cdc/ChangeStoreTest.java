package dev.trickle.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.cdc.pgoutput.TupleData;
import dev.trickle.model.Lsn;
import dev.trickle.model.PgSnapshot;
import dev.trickle.model.TableRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

final class ChangeStoreTest {
  private static final TableRef A = new TableRef("public", "a");
  private static final TableRef B = new TableRef("public", "b");
  private static final TableRef C = new TableRef("public", "c");
  private static final TableRef[] TABLES = {A, B, C};
  private static final long EPOCH = 1L << 32;

  private final ChangeStore store = new ChangeStore();

  /** A transaction with one inserted row in each touched table. */
  private static WalTransaction tx(int xid, long commitLsn, TableRef... touched) {
    Map<TableRef, List<RowChange>> changes = new LinkedHashMap<>();
    for (TableRef t : touched) {
      SourceRelation rel = new SourceRelation(1000 + t.name().hashCode(), t, List.of("id"), 'd');
      changes.put(
          t,
          List.of(
              new RowChange(
                  RowChange.Kind.INSERT, rel, null, TupleData.ofText(Integer.toString(xid)))));
    }
    return new WalTransaction(
        xid,
        new Lsn(commitLsn),
        new Lsn(commitLsn + 0x28),
        Instant.EPOCH,
        changes,
        Set.of(),
        List.of());
  }

  private static WalTransaction truncating(int xid, long commitLsn, TableRef table) {
    return new WalTransaction(
        xid,
        new Lsn(commitLsn),
        new Lsn(commitLsn + 0x28),
        Instant.EPOCH,
        Map.of(),
        Set.of(table),
        List.of());
  }

  @Test
  void append_unrelatedTransaction_notPendingButConfirmable() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    WalTransaction t = tx(100, 0x1000, B);

    store.append(t);

    assertThat(store.hasPending(1)).isFalse();
    assertThat(store.pendingCount(1)).isZero();
    assertThat(store.pendingTransactions()).isZero();
    assertThat(store.bytes()).isZero();
    assertThat(store.confirmable()).isEqualTo(new Lsn(0x1028));
  }

  @Test
  void pendingBytes_countEachStreamTablesPendingTransactionsUntilAbsorbed() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    store.register(2, Set.of(A, B), PgSnapshot.of(100, 100));
    WalTransaction ab = tx(100, 0x1000, A, B);
    WalTransaction b = tx(101, 0x2000, B);

    store.append(ab);
    store.append(b);

    assertThat(store.pendingBytes(1)).isEqualTo(ab.estimatedBytes());
    assertThat(store.pendingBytes(2)).isEqualTo(ab.estimatedBytes() + b.estimatedBytes());
    store.complete(2, PgSnapshot.of(101, 101));
    assertThat(store.pendingBytes(2)).isEqualTo(b.estimatedBytes());
    assertThat(store.pendingBytes(1)).isEqualTo(ab.estimatedBytes());
    store.complete(1, PgSnapshot.of(102, 102));
    assertThat(store.pendingBytes(1)).isZero();
    assertThat(store.pendingBytes(3)).isZero();
  }

  @Test
  void oldestPendingAge_isTheAgeOfTheOldestUnabsorbedCommit() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    assertThat(store.oldestPendingAgeSeconds(Instant.EPOCH.plusSeconds(9))).isZero();
    store.append(tx(100, 0x1000, A)); // committed at the epoch

    assertThat(store.oldestPendingAgeSeconds(Instant.EPOCH.plusMillis(5_500))).isEqualTo(5.5);
    store.complete(1, PgSnapshot.of(101, 101));
    assertThat(store.oldestPendingAgeSeconds(Instant.EPOCH.plusSeconds(9))).isZero();
  }

  @Test
  void append_noStreamTables_confirmableFollowsReceived() {
    store.append(tx(100, 0x1000, A));
    store.append(tx(101, 0x2000, A));

    assertThat(store.confirmable()).isEqualTo(new Lsn(0x2028));
  }

  @Test
  void confirmable_pendingForTwoTables_heldUntilBothComplete() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    store.register(2, Set.of(A, B), PgSnapshot.of(100, 100));
    WalTransaction t = tx(100, 0x1000, A);
    WalTransaction later = tx(101, 0x2000, C);

    store.append(t);
    store.append(later);

    assertThat(store.confirmable()).isEqualTo(new Lsn(0xFFF));
    assertThat(store.pendingTransactions()).isEqualTo(1);

    assertThat(store.complete(1, PgSnapshot.of(102, 102))).containsExactly(t);

    assertThat(store.confirmable()).isEqualTo(new Lsn(0xFFF));
    assertThat(store.pendingTransactions()).isEqualTo(1);
    assertThat(store.hasPending(1)).isFalse();
    assertThat(store.hasPending(2)).isTrue();

    assertThat(store.complete(2, PgSnapshot.of(102, 102))).containsExactly(t);

    assertThat(store.confirmable()).isEqualTo(new Lsn(0x2028));
    assertThat(store.pendingTransactions()).isZero();
  }

  @Test
  void confirmable_twoPending_heldBeforeOldestStillPending() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    store.register(2, Set.of(B), PgSnapshot.of(100, 100));
    store.append(tx(100, 0x1000, A));
    store.append(tx(101, 0x2000, B));

    store.complete(2, PgSnapshot.of(102, 102));

    assertThat(store.confirmable()).isEqualTo(new Lsn(0xFFF));

    store.complete(1, PgSnapshot.of(102, 102));

    assertThat(store.confirmable()).isEqualTo(new Lsn(0x2028));
  }

  @Test
  void confirmable_olderCompletesFirst_movesToNextPending() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    store.register(2, Set.of(B), PgSnapshot.of(100, 100));
    store.append(tx(100, 0x1000, A));
    store.append(tx(101, 0x2000, B));

    store.complete(1, PgSnapshot.of(102, 102));

    assertThat(store.confirmable()).isEqualTo(new Lsn(0x1FFF));
  }

  @Test
  void deltaFor_xidRunningInSnapshot_excludedAndStaysPending() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    WalTransaction running = tx(100, 0x1000, A);
    WalTransaction done = tx(101, 0x2000, A);
    WalTransaction future = tx(102, 0x3000, A);
    store.append(running);
    store.append(done);
    store.append(future);
    PgSnapshot snapshot = PgSnapshot.parse("100:102:100");

    assertThat(store.deltaFor(1, snapshot)).containsExactly(done);
    assertThat(store.complete(1, snapshot)).containsExactly(done);

    assertThat(store.pendingCount(1)).isEqualTo(2);
    assertThat(store.confirmable()).isEqualTo(new Lsn(0xFFF));

    PgSnapshot next = PgSnapshot.parse("103:103:");
    assertThat(store.deltaFor(1, next)).containsExactly(running, future);
    assertThat(store.complete(1, next)).containsExactly(running, future);
    assertThat(store.pendingCount(1)).isZero();
    assertThat(store.confirmable()).isEqualTo(new Lsn(0x3028));
  }

  @Test
  void deltaFor_doesNotConsume() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    WalTransaction t = tx(100, 0x1000, A);
    store.append(t);

    store.deltaFor(1, PgSnapshot.of(101, 101));

    assertThat(store.deltaFor(1, PgSnapshot.of(101, 101))).containsExactly(t);
    assertThat(store.pendingCount(1)).isEqualTo(1);
    assertThat(store.absorbedCount()).isZero();
  }

  @Test
  void deltaFor_unknownTable_empty() {
    store.append(tx(100, 0x1000, A));

    assertThat(store.deltaFor(9, PgSnapshot.of(200, 200))).isEmpty();
    assertThat(store.complete(9, PgSnapshot.of(200, 200))).isEmpty();
    assertThat(store.hasPending(9)).isFalse();
    assertThat(store.pendingCount(9)).isZero();
  }

  @Test
  void register_nullFrontier_everythingPendingUntilComplete() {
    store.register(1, Set.of(A), null);
    WalTransaction old = tx(5, 0x1000, A);
    WalTransaction newer = tx(100, 0x2000, A);

    store.append(old);
    store.append(newer);

    assertThat(store.pendingCount(1)).isEqualTo(2);
    assertThat(store.confirmable()).isEqualTo(new Lsn(0xFFF));

    assertThat(store.complete(1, PgSnapshot.parse("50:60:"))).containsExactly(old);

    assertThat(store.pendingCount(1)).isEqualTo(1);
    assertThat(store.confirmable()).isEqualTo(new Lsn(0x1FFF));

    // Now that a frontier is stored, a transaction inside it is skipped at append.
    store.append(tx(6, 0x3000, A));

    assertThat(store.pendingCount(1)).isEqualTo(1);
  }

  @Test
  void append_alreadyVisibleInFrontier_skipped() {
    store.register(1, Set.of(A), PgSnapshot.parse("100:110:100,105"));

    store.append(tx(99, 0x1000, A));
    store.append(tx(104, 0x2000, A));

    assertThat(store.pendingCount(1)).isZero();
    assertThat(store.pendingTransactions()).isZero();
    assertThat(store.bytes()).isZero();
    assertThat(store.confirmable()).isEqualTo(new Lsn(0x2028));
  }

  @Test
  void append_runningOrFutureInFrontier_pending() {
    store.register(1, Set.of(A), PgSnapshot.parse("100:110:100,105"));

    store.append(tx(105, 0x1000, A));
    store.append(tx(110, 0x2000, A));

    assertThat(store.pendingCount(1)).isEqualTo(2);
  }

  @Test
  void append_visibleForOneTableOnly_pendingForTheOther() {
    store.register(1, Set.of(A), PgSnapshot.of(200, 200));
    store.register(2, Set.of(A), PgSnapshot.of(100, 100));
    WalTransaction t = tx(150, 0x1000, A);

    store.append(t);

    assertThat(store.hasPending(1)).isFalse();
    assertThat(store.hasPending(2)).isTrue();
    assertThat(store.confirmable()).isEqualTo(new Lsn(0xFFF));
  }

  @Test
  void append_truncateOnly_pendingForSourceReader() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    WalTransaction t = truncating(100, 0x1000, A);

    store.append(t);

    assertThat(store.deltaFor(1, PgSnapshot.of(101, 101))).containsExactly(t);
  }

  @Test
  void append_sameCommitLsnTwice_ignored() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    WalTransaction t = tx(100, 0x1000, A);
    store.append(t);
    long bytes = store.bytes();

    store.append(t);

    assertThat(store.pendingCount(1)).isEqualTo(1);
    assertThat(store.pendingTransactions()).isEqualTo(1);
    assertThat(store.bytes()).isEqualTo(bytes);
    assertThat(store.complete(1, PgSnapshot.of(101, 101))).containsExactly(t);
    assertThat(store.absorbedCount()).isEqualTo(1);
    assertThat(store.bytes()).isZero();
  }

  @Test
  void append_redeliveredAfterAbsorbed_skipped() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    WalTransaction t = tx(100, 0x1000, A);
    store.append(t);
    store.complete(1, PgSnapshot.of(101, 101));

    store.append(t);

    assertThat(store.pendingCount(1)).isZero();
    assertThat(store.confirmable()).isEqualTo(new Lsn(0x1028));
  }

  @Test
  void unregister_onlyWaiter_releasesTransactions() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    store.append(tx(100, 0x1000, A));
    store.append(tx(101, 0x2000, B));

    store.unregister(1);

    assertThat(store.pendingTransactions()).isZero();
    assertThat(store.bytes()).isZero();
    assertThat(store.confirmable()).isEqualTo(new Lsn(0x2028));
    assertThat(store.hasPending(1)).isFalse();
  }

  @Test
  void unregister_sharedTransaction_keptForOtherTable() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    store.register(2, Set.of(A), PgSnapshot.of(100, 100));
    WalTransaction t = tx(100, 0x1000, A);
    store.append(t);
    long bytes = store.bytes();

    store.unregister(1);

    assertThat(store.pendingTransactions()).isEqualTo(1);
    assertThat(store.bytes()).isEqualTo(bytes);
    assertThat(store.confirmable()).isEqualTo(new Lsn(0xFFF));

    store.unregister(2);

    assertThat(store.confirmable()).isEqualTo(new Lsn(0x1028));
  }

  @Test
  void unregister_unknown_noEffect() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    store.append(tx(100, 0x1000, A));

    store.unregister(7);

    assertThat(store.pendingCount(1)).isEqualTo(1);
  }

  @Test
  void bytes_countedOncePerTransaction_backToZero() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    store.register(2, Set.of(A, B), PgSnapshot.of(100, 100));
    WalTransaction t1 = tx(100, 0x1000, A, B);
    WalTransaction t2 = tx(101, 0x2000, B);

    store.append(t1);
    store.append(t2);

    assertThat(t1.estimatedBytes()).isGreaterThan(128);
    assertThat(store.bytes()).isEqualTo(t1.estimatedBytes() + t2.estimatedBytes());

    store.complete(2, PgSnapshot.of(102, 102));

    assertThat(store.bytes()).isEqualTo(t1.estimatedBytes());

    store.complete(1, PgSnapshot.of(102, 102));

    assertThat(store.bytes()).isZero();
  }

  @Test
  void absorbedCount_countsTablePairs() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    store.register(2, Set.of(A, B), PgSnapshot.of(100, 100));
    store.append(tx(100, 0x1000, A));
    store.append(tx(101, 0x2000, B));

    store.complete(1, PgSnapshot.of(102, 102));
    store.complete(2, PgSnapshot.of(102, 102));

    assertThat(store.absorbedCount()).isEqualTo(3);

    store.complete(2, PgSnapshot.of(103, 103));

    assertThat(store.absorbedCount()).isEqualTo(3);
  }

  @Test
  void noteIdlePosition_nothingPending_confirmableFollows() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    store.append(tx(100, 0x1000, B));

    store.noteIdlePosition(new Lsn(0x5000));

    assertThat(store.confirmable()).isEqualTo(new Lsn(0x5000));

    store.noteIdlePosition(new Lsn(0x4000));

    assertThat(store.confirmable()).isEqualTo(new Lsn(0x5000));
  }

  @Test
  void noteIdlePosition_somethingPending_confirmableHeld() {
    store.register(1, Set.of(A), PgSnapshot.of(100, 100));
    store.append(tx(100, 0x1000, A));

    store.noteIdlePosition(new Lsn(0x5000));

    assertThat(store.confirmable()).isEqualTo(new Lsn(0xFFF));

    store.complete(1, PgSnapshot.of(101, 101));

    assertThat(store.confirmable()).isEqualTo(new Lsn(0x5000));
  }

  @Test
  void complete_xidsAcrossEpochBoundary_widenedAgainstFrontier() {
    store.register(1, Set.of(A), PgSnapshot.of(EPOCH - 20, EPOCH - 20));
    WalTransaction prev = tx(0xFFFFFFF0, 0x1000, A); // 2^32 - 16
    WalTransaction next = tx(3, 0x2000, A); // 2^32 + 3
    store.append(prev);
    store.append(next);
    PgSnapshot s = PgSnapshot.of(EPOCH + 3, EPOCH + 5, EPOCH + 3);

    assertThat(store.deltaFor(1, s)).containsExactly(prev);
    assertThat(store.complete(1, s)).containsExactly(prev);
    assertThat(store.pendingCount(1)).isEqualTo(1);

    store.append(prev); // redelivered: inside the frontier now
    assertThat(store.pendingCount(1)).isEqualTo(1);
  }

  // ---------------------------------------------------------------------------------------------
  // Property: random transactions, stream tables and refreshes keep the consistency invariants.

  private static final class Model {
    final long[] xid64;
    final WalTransaction[] txs;
    final Map<Lsn, Integer> byCommit = new HashMap<>();

    Model(long[] xid64, int[] mask) {
      this.xid64 = xid64;
      this.txs = new WalTransaction[xid64.length];
      for (int i = 0; i < txs.length; i++) {
        List<TableRef> touched = new ArrayList<>();
        for (int b = 0; b < 3; b++) {
          if ((mask[i] & (1 << b)) != 0) {
            touched.add(TABLES[b]);
          }
        }
        txs[i] = tx((int) xid64[i], EPOCH + 0x100L * (i + 1), touched.toArray(new TableRef[0]));
        byCommit.put(txs[i].commitLsn(), i);
      }
    }

    /** The snapshot in which exactly the given transactions (of ours) are visible. */
    PgSnapshot snapshot(Set<Integer> visible, long base) {
      long xmax = base;
      for (int i : visible) {
        xmax = Math.max(xmax, xid64[i] + 1);
      }
      TreeSet<Long> xip = new TreeSet<>();
      for (int i = 0; i < xid64.length; i++) {
        if (!visible.contains(i) && xid64[i] < xmax) {
          xip.add(xid64[i]);
        }
      }
      long xmin = xip.isEmpty() ? xmax : xip.first();
      return PgSnapshot.of(xmin, xmax, xip.stream().mapToLong(Long::longValue).toArray());
    }
  }

  @Property(tries = 500)
  void changeStore_randomHistory_keepsInvariants(
      @ForAll long seed, @ForAll boolean nearEpochBoundary) {
    Random r = new Random(seed);
    int n = 1 + r.nextInt(25);
    long base =
        nearEpochBoundary
            ? EPOCH * (1 + r.nextInt(3)) - r.nextInt(2 * n + 20)
            : EPOCH * r.nextInt(3) + 100 + (r.nextInt() & 0x7FFFFFFFL);
    // Distinct xids in a window, committed in an order unrelated to their size.
    List<Long> pool = new ArrayList<>();
    for (int i = 0; i < 2 * n + 10; i++) {
      pool.add(base + i);
    }
    Collections.shuffle(pool, r);
    long[] xid64 = new long[n];
    int[] mask = new int[n];
    for (int i = 0; i < n; i++) {
      xid64[i] = pool.get(i);
      mask[i] = r.nextInt(8);
    }
    Model m = new Model(xid64, mask);

    int tables = 2 + r.nextInt(2);
    int[] sources = new int[tables];
    Set<Integer> initiallyVisible = new HashSet<>();
    int cut = r.nextInt(n + 1);
    for (int i = 0; i < n; i++) {
      // Mostly a prefix of the commit order, with stragglers either way.
      if (i < cut ? r.nextInt(4) != 0 : r.nextInt(8) == 0) {
        initiallyVisible.add(i);
      }
    }
    PgSnapshot initial = m.snapshot(initiallyVisible, base);
    boolean[] hasFrontier = new boolean[tables];
    List<Map<Integer, Integer>> delivered = new ArrayList<>();
    ChangeStore cs = new ChangeStore();
    for (int k = 0; k < tables; k++) {
      sources[k] = 1 + r.nextInt(7);
      hasFrontier[k] = r.nextBoolean();
      Set<TableRef> src = new HashSet<>();
      for (int b = 0; b < 3; b++) {
        if ((sources[k] & (1 << b)) != 0) {
          src.add(TABLES[b]);
        }
      }
      cs.register(k, src, hasFrontier[k] ? initial : null);
      delivered.add(new HashMap<>());
    }

    Set<Integer> visible = new HashSet<>(initiallyVisible);
    int received = 0;
    Lsn lastConfirmable = cs.confirmable();
    Lsn position = Lsn.ZERO;
    long deliveries = 0;
    int steps = 6 * n + 10;
    for (int step = 0; step <= steps; step++) {
      boolean finalPhase = step == steps;
      int op = finalPhase ? -1 : r.nextInt(5);
      if (op == 0 && received < n) {
        cs.append(m.txs[received]);
        position = m.txs[received].endLsn();
        received++;
      } else if (op == 1 && received > 0) {
        visible.add(r.nextInt(received));
      } else if (op == 3 && received > 0) {
        cs.append(m.txs[r.nextInt(received)]); // redelivery after a reconnect
      } else if (op == 4) {
        position = new Lsn(position.value() + 8);
        cs.noteIdlePosition(position);
      } else if (op == 2 || finalPhase) {
        if (finalPhase) {
          while (received < n) {
            cs.append(m.txs[received]);
            position = m.txs[received].endLsn();
            received++;
          }
          for (int i = 0; i < n; i++) {
            visible.add(i);
          }
        }
        int finalReceived = received;
        if (visible.stream().anyMatch(i -> i >= finalReceived)) {
          continue; // the fence has not come back yet: a visible transaction is not received
        }
        PgSnapshot s = m.snapshot(visible, base);
        for (int k = finalPhase ? 0 : r.nextInt(tables); k < tables; k++) {
          List<WalTransaction> delta = cs.deltaFor(k, s);
          List<WalTransaction> absorbed = cs.complete(k, s);
          assertThat(absorbed).isEqualTo(delta);
          List<Integer> order = new ArrayList<>();
          for (WalTransaction t : absorbed) {
            int i = m.byCommit.get(t.commitLsn());
            order.add(i);
            assertThat(mask[i] & sources[k]).as("tx %d interests table %d", i, k).isNotZero();
            assertThat(visible).contains(i);
            delivered.get(k).merge(i, 1, Integer::sum);
            deliveries++;
          }
          assertThat(order).as("commit order").isSorted();
          int expectedPending = 0;
          for (int i = 0; i < received; i++) {
            if ((mask[i] & sources[k]) != 0 && !visible.contains(i)) {
              expectedPending++;
            }
          }
          assertThat(cs.pendingCount(k)).isEqualTo(expectedPending);
          if (!finalPhase) {
            break;
          }
        }
      }

      // (b) confirmable never passes an unabsorbed interesting transaction; (c) it is monotone.
      Lsn confirmable = cs.confirmable();
      long expectedBytes = 0;
      int expectedPendingTx = 0;
      for (int i = 0; i < received; i++) {
        boolean waiting = false;
        for (int k = 0; k < tables; k++) {
          boolean interested = (mask[i] & sources[k]) != 0;
          boolean inInitial = hasFrontier[k] && initiallyVisible.contains(i);
          if (interested && !inInitial && !delivered.get(k).containsKey(i)) {
            waiting = true;
            assertThat(confirmable)
                .as("confirmable vs tx %d unabsorbed by table %d", i, k)
                .isLessThan(m.txs[i].commitLsn());
          }
        }
        if (waiting) {
          expectedBytes += m.txs[i].estimatedBytes();
          expectedPendingTx++;
        }
      }
      assertThat(confirmable).isGreaterThanOrEqualTo(lastConfirmable);
      assertThat(confirmable).isLessThanOrEqualTo(position);
      assertThat(cs.bytes()).isEqualTo(expectedBytes);
      assertThat(cs.pendingTransactions()).isEqualTo(expectedPendingTx);
      if (expectedPendingTx == 0) {
        assertThat(confirmable).isEqualTo(position);
      }
      lastConfirmable = confirmable;
    }

    // (a) every interesting transaction reached each table exactly once, or was in its frontier.
    for (int k = 0; k < tables; k++) {
      for (int i = 0; i < n; i++) {
        boolean interested = (mask[i] & sources[k]) != 0;
        boolean inInitial = hasFrontier[k] && initiallyVisible.contains(i);
        int times = delivered.get(k).getOrDefault(i, 0);
        assertThat(times)
            .as("deliveries of tx %d to table %d", i, k)
            .isEqualTo(interested && !inInitial ? 1 : 0);
      }
      assertThat(cs.hasPending(k)).isFalse();
    }
    assertThat(cs.absorbedCount()).isEqualTo(deliveries);
    assertThat(cs.confirmable()).isEqualTo(position);
    assertThat(cs.bytes()).isZero();
  }
}
