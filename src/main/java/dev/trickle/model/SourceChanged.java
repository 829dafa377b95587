package dev.trickle.model;

/**
 * A source table of a stream table changed so that the stream table cannot be maintained as planned
 * (a column it reads was dropped, renamed or changed type; the table was dropped, or dropped and
 * created again). The message names the source and the change in one line; the stream table goes to
 * ERROR until a refresh plans it again.
 */
public final class SourceChanged extends UserError {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the error.
   *
   * @param message e.g. {@code source public.orders changed: column amount was dropped}
   */
  public SourceChanged(String message) {
    super(message);
  }
}
