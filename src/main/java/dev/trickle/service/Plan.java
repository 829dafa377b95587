package dev.trickle.service;

import dev.trickle.config.RefreshMode;
import dev.trickle.config.ResourceBudget;
import dev.trickle.dvm.DvmLimits;
import dev.trickle.dvm.ProbeResult;
import dev.trickle.dvm.RefreshSql;
import dev.trickle.model.TableRef;
import java.time.Duration;
import java.util.List;

/**
 * A validated stream table, ready to be created or resumed.
 *
 * @param name the stream table
 * @param query the defining query
 * @param mode configured refresh mode
 * @param budget preset, workers and memory
 * @param schedule schedule
 * @param probe what the server said about the query
 * @param sql generated SQL (its id-dependent temp names use id 0 until registered)
 * @param needsReplicaIdentityFull source tables to switch to REPLICA IDENTITY FULL
 * @param warnings things the user should know (stable functions, FULL fallback)
 * @param limits the delta engine's guards the SQL was generated under
 * @param sourceSchema what it reads of its sources (their OIDs, the columns it reads)
 */
public record Plan(
    TableRef name,
    String query,
    RefreshMode mode,
    ResourceBudget budget,
    Duration schedule,
    ProbeResult probe,
    RefreshSql sql,
    List<TableRef> needsReplicaIdentityFull,
    List<String> warnings,
    DvmLimits limits,
    dev.trickle.dvm.SourceSchema sourceSchema) {
  /** Copies the lists. */
  public Plan {
    needsReplicaIdentityFull = List.copyOf(needsReplicaIdentityFull);
    warnings = List.copyOf(warnings);
  }

  /** The tables the query reads. */
  public List<TableRef> sources() {
    return probe.sources().stream().map(s -> s.table()).toList();
  }
}
