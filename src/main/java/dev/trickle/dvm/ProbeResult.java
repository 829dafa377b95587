package dev.trickle.dvm;

import java.util.List;

/**
 * What the server says about a defining query.
 *
 * @param columns output columns in order
 * @param sources tables the query reads
 * @param volatileFunctions volatile functions it calls (refused for DIFFERENTIAL)
 * @param stableFunctions stable functions it calls (a warning)
 * @param features constructs found in the server's parse tree that a scan/filter/project lacks
 * @param canonical the server's canonical text of the query ({@code pg_get_viewdef}: columns
 *     qualified, {@code *} expanded, NATURAL joins spelled out); empty when unknown
 * @param aggregates names of the aggregate functions the query calls, lower case
 */
public record ProbeResult(
    List<Column> columns,
    List<SourceTable> sources,
    List<String> volatileFunctions,
    List<String> stableFunctions,
    List<String> features,
    String canonical,
    List<String> aggregates) {
  /** Copies the lists. */
  public ProbeResult {
    columns = List.copyOf(columns);
    sources = List.copyOf(sources);
    volatileFunctions = List.copyOf(volatileFunctions);
    stableFunctions = List.copyOf(stableFunctions);
    features = List.copyOf(features);
    aggregates = List.copyOf(aggregates);
  }

  /**
   * A probe result without canonical text or aggregate names (tests of the single-table shapes).
   *
   * @param columns output columns in order
   * @param sources tables the query reads
   * @param volatileFunctions volatile functions it calls
   * @param stableFunctions stable functions it calls
   * @param features constructs found in the server's parse tree
   */
  public ProbeResult(
      List<Column> columns,
      List<SourceTable> sources,
      List<String> volatileFunctions,
      List<String> stableFunctions,
      List<String> features) {
    this(columns, sources, volatileFunctions, stableFunctions, features, "", List.of());
  }
}
