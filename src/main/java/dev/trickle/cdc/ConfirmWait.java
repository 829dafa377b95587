package dev.trickle.cdc;

import dev.trickle.model.Lsn;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting until a source has told the server a position: {@link ChangeSource#awaitConfirmSent}. */
public final class ConfirmWait {
  private ConfirmWait() {}

  /**
   * Polls every 2 ms until the position was sent, the source stops streaming, or time is up.
   *
   * @param sent the position last sent to the server
   * @param streaming whether the source streams
   * @param position the position awaited
   * @param timeout the longest wait
   * @return whether it was sent
   */
  public static boolean until(
      Supplier<Lsn> sent, BooleanSupplier streaming, Lsn position, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (position.isAfter(sent.get())) {
      if (System.nanoTime() > deadline || !streaming.getAsBoolean()) {
        return false;
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }
}
