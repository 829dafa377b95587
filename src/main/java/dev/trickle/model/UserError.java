package dev.trickle.model;

/**
 * A mistake in what the user asked for (configuration, query, name). Its message is one clear line
 * that names the offending thing; it is printed without a stack trace and exits with code 2.
 */
public class UserError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the error.
   *
   * @param message one line naming the offending thing and what to do
   */
  public UserError(String message) {
    super(message);
  }
}
