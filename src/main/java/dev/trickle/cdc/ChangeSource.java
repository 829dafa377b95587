package dev.trickle.cdc;

import dev.trickle.model.Lsn;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;

/**
 * Where committed source transactions come from: the native pgoutput reader ({@link
 * ReplicationSource}) or the embedded Debezium connector ({@code cdc.debezium.DebeziumSource}).
 * Both deliver whole transactions in commit order, with the fences and SQL requests they carry, and
 * both let the slot advance only to positions Trickle has confirmed.
 */
public interface ChangeSource {
  /**
   * The committed transactions in commit order and in windows, reconnecting after failures.
   * Transactions may be delivered again after a reconnect; consumers skip what their frontier
   * already includes.
   *
   * @return the windows
   */
  Flux<List<WalTransaction>> transactions();

  /**
   * Sets the position the slot may be confirmed to.
   *
   * @param position everything before it is absorbed and recorded
   */
  void confirm(Lsn position);

  /**
   * Waits until the server has been told a position (or the time is up).
   *
   * @param position the position
   * @param timeout the longest wait
   * @return whether it was told
   */
  boolean awaitConfirmSent(Lsn position, Duration timeout);

  /** Whether the source is currently streaming. */
  boolean isStreaming();

  /** The last position received from the server. */
  Lsn lastReceived();

  /**
   * Hands the requests of the SQL functions (messages with prefix {@value
   * TransactionAssembler#REQUEST_PREFIX}) to a listener: a non-transactional one as it arrives, a
   * transactional one when its transaction commits.
   *
   * @param listener called on the source's reading thread
   */
  void onRequest(Consumer<String> listener);

  /** Stops reading. */
  void close();
}
