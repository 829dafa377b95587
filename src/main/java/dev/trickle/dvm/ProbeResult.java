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
 */
public record ProbeResult(
    List<Column> columns,
    List<SourceTable> sources,
    List<String> volatileFunctions,
    List<String> stableFunctions,
    List<String> features) {
  /** Copies the lists. */
  public ProbeResult {
    columns = List.copyOf(columns);
    sources = List.copyOf(sources);
    volatileFunctions = List.copyOf(volatileFunctions);
    stableFunctions = List.copyOf(stableFunctions);
    features = List.copyOf(features);
  }
}
