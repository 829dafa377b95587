package dev.trickle.pg;

/**
 * A PostgreSQL program ({@code initdb}, {@code pg_ctl}, ...) failed. The message contains the
 * command, its output and the tail of the server log.
 */
public final class PostgresProcessException extends RuntimeException {

  /**
   * Creates an exception.
   *
   * @param message what failed, with the command's output and the server log's tail
   * @param cause underlying failure, may be null
   */
  public PostgresProcessException(String message, Throwable cause) {
    super(message, cause);
  }
}
