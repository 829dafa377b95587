package dev.trickle.dvm.optree;

/**
 * Thrown while building an operator tree: the query uses something the engine cannot differentiate.
 */
final class NotDifferentiable extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param reason what the query uses, phrased to follow "the query"
   */
  NotDifferentiable(String reason) {
    super(reason, null, false, false);
  }
}
