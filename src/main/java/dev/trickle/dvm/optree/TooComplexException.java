package dev.trickle.dvm.optree;

/** A query whose operator tree or delta statement exceeds a configured guard. */
public final class TooComplexException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what exceeded which guard, phrased to follow "the query"
   */
  public TooComplexException(String message) {
    super(message);
  }
}
