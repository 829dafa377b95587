package dev.trickle.config;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Where changes come from: the CDC source, the replication slot and the publication.
 *
 * @param source {@code pgoutput} or {@code debezium}
 * @param slot replication slot name: 1 to 63 lowercase letters, digits and underscores
 * @param publication publication name: a lowercase identifier of at most 63 characters
 */
public record CdcConfig(String source, String slot, String publication) {

  /** The accepted sources; the first is the default. */
  public static final List<String> SOURCES = List.of("pgoutput", "debezium");

  /** Default slot and publication name. */
  public static final String DEFAULT_NAME = "trickle";

  private static final Pattern SLOT = Pattern.compile("[a-z0-9_]{1,63}");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  /** Checks the components. */
  public CdcConfig {
    check(sourceProblem(source));
    check(slotProblem(slot));
    check(publicationProblem(publication));
  }

  /** Returns pgoutput with slot and publication {@code trickle}. */
  public static CdcConfig defaults() {
    return new CdcConfig(SOURCES.get(0), DEFAULT_NAME, DEFAULT_NAME);
  }

  static Optional<String> sourceProblem(String source) {
    Objects.requireNonNull(source, "source");
    return SOURCES.contains(source)
        ? Optional.empty()
        : Optional.of("\"" + source + "\" is not a CDC source (use pgoutput or debezium)");
  }

  static Optional<String> slotProblem(String slot) {
    Objects.requireNonNull(slot, "slot");
    return SLOT.matcher(slot).matches()
        ? Optional.empty()
        : Optional.of(
            "\""
                + slot
                + "\" is not a valid slot name (use 1 to 63 lowercase letters, digits and"
                + " underscores)");
  }

  static Optional<String> publicationProblem(String publication) {
    Objects.requireNonNull(publication, "publication");
    return IDENTIFIER.matcher(publication).matches()
        ? Optional.empty()
        : Optional.of(
            "\""
                + publication
                + "\" is not a valid publication name (use 1 to 63 lowercase letters, digits and"
                + " underscores, not starting with a digit)");
  }

  private static void check(Optional<String> problem) {
    if (problem.isPresent()) {
      throw new IllegalArgumentException(problem.get());
    }
  }
}
