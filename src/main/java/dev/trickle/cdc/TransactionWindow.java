package dev.trickle.cdc;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects received transactions into a window that closes when it holds {@code maxTransactions},
 * when its first transaction has waited {@code maxWaitNanos}, or when the reader has nothing more
 * to read (it then drains the window itself): no timer, so a window never waits for more than the
 * reader's own loop. Pure; used by the reader thread only.
 */
public final class TransactionWindow {
  private final int maxTransactions;
  private final long maxWaitNanos;
  private List<WalTransaction> open = new ArrayList<>();
  private long openedAtNanos;

  public TransactionWindow(int maxTransactions, long maxWaitNanos) {
    if (maxTransactions < 1) {
      throw new IllegalArgumentException("a window holds at least one transaction");
    }
    this.maxTransactions = maxTransactions;
    this.maxWaitNanos = maxWaitNanos;
  }

  /** Adds a transaction; whether the window is now full. */
  public boolean add(WalTransaction tx, long nowNanos) {
    if (open.isEmpty()) {
      openedAtNanos = nowNanos;
    }
    open.add(tx);
    return open.size() >= maxTransactions;
  }

  /** Whether the window holds a transaction that has waited {@code maxWait}. */
  public boolean due(long nowNanos) {
    return !open.isEmpty() && nowNanos - openedAtNanos >= maxWaitNanos;
  }

  /** Whether it holds nothing. */
  public boolean isEmpty() {
    return open.isEmpty();
  }

  /** Closes the window: its transactions in order, and a new empty window opened. */
  public List<WalTransaction> drain() {
    List<WalTransaction> out = open;
    open = new ArrayList<>();
    return out;
  }
}
