package dev.trickle.config;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Where changes come from: the CDC source, the replication slot and the publication.
 *
 * @param source {@code pgoutput} or {@code debezium}
 * @param slot replication slot name: 1 to 63 lowercase letters, digits and underscores
 * @param publication publication name: a lowercase identifier of at most 63 characters
 * @param debezium Debezium connector properties passed through to the embedded engine (only read
 *     with {@code source: debezium}); never one of the {@link #DEBEZIUM_RESERVED} keys
 */
public record CdcConfig(
    String source, String slot, String publication, Map<String, String> debezium) {

  /** The accepted sources; the first is the default. */
  public static final List<String> SOURCES = List.of("pgoutput", "debezium");

  /** Default slot and publication name. */
  public static final String DEFAULT_NAME = "trickle";

  private static final Pattern SLOT = Pattern.compile("[a-z0-9_]{1,63}");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  /**
   * Debezium properties Trickle sets itself: the connection, slot and publication come from the
   * pipeline, and the rest is what exactly-once delivery and the value conversion depend on.
   */
  public static final Set<String> DEBEZIUM_RESERVED =
      Set.of(
          "name",
          "connector.class",
          "offset.storage",
          "offset.flush.interval.ms",
          "database.hostname",
          "database.port",
          "database.user",
          "database.password",
          "database.dbname",
          "plugin.name",
          "slot.name",
          "publication.name",
          "publication.autocreate.mode",
          "snapshot.mode",
          "provide.transaction.metadata",
          "skipped.operations",
          "tombstones.on.delete",
          "converters",
          "table.include.list",
          "table.exclude.list",
          "schema.include.list",
          "schema.exclude.list",
          "message.prefix.include.list",
          "message.prefix.exclude.list",
          "topic.prefix");

  private static final Pattern PROPERTY = Pattern.compile("[a-z0-9][a-z0-9._-]*");

  /** Checks the components and copies the properties. */
  public CdcConfig {
    check(sourceProblem(source));
    check(slotProblem(slot));
    check(publicationProblem(publication));
    debezium = Map.copyOf(new TreeMap<>(debezium));
    for (String key : debezium.keySet()) {
      check(debeziumKeyProblem(key));
    }
  }

  /**
   * A source without Debezium properties.
   *
   * @param source {@code pgoutput} or {@code debezium}
   * @param slot replication slot name
   * @param publication publication name
   */
  public CdcConfig(String source, String slot, String publication) {
    this(source, slot, publication, Map.of());
  }

  /** Returns pgoutput with slot and publication {@code trickle}. */
  public static CdcConfig defaults() {
    return new CdcConfig(SOURCES.get(0), DEFAULT_NAME, DEFAULT_NAME);
  }

  /** Whether changes come through the embedded Debezium connector. */
  public boolean isDebezium() {
    return "debezium".equals(source);
  }

  static Optional<String> debeziumKeyProblem(String key) {
    if (!PROPERTY.matcher(key).matches()) {
      return Optional.of("\"" + key + "\" is not a Debezium property name");
    }
    if (DEBEZIUM_RESERVED.contains(key)
        || key.startsWith("converters.")
        || key.startsWith("trickle.")) {
      return Optional.of(
          key
              + " is set by Trickle (from the database URL, cdc.slot and cdc.publication, or because"
              + " exactly-once delivery depends on it) and cannot be overridden");
    }
    return Optional.empty();
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
