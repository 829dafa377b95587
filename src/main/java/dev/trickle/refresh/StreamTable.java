package dev.trickle.refresh;

import dev.trickle.config.RefreshMode;
import dev.trickle.config.ResourceBudget;
import dev.trickle.dvm.SourceSchema;
import dev.trickle.model.Strategy;
import dev.trickle.model.TableRef;
import java.time.Duration;
import java.util.List;

/**
 * A stream table as the running service knows it.
 *
 * @param id catalog id
 * @param name the stream table
 * @param query the defining query
 * @param mode configured refresh mode
 * @param budget preset, workers and memory
 * @param schedule refresh schedule
 * @param sources the tables it reads
 * @param sourceRows estimated rows of its sources, -1 when unknown
 * @param strategy how its rows are identified
 * @param templateVersion the version of its query, keying its generated SQL in the template caches
 * @param sourceSchema what it reads of its sources, as planned: each refresh checks it
 */
public record StreamTable(
    long id,
    TableRef name,
    String query,
    RefreshMode mode,
    ResourceBudget budget,
    Duration schedule,
    List<TableRef> sources,
    long sourceRows,
    Strategy strategy,
    String templateVersion,
    SourceSchema sourceSchema) {
  /** Copies the list. */
  public StreamTable {
    sources = List.copyOf(sources);
  }

  /** A stream table whose sources are not checked ({@link SourceSchema#NONE}). */
  public StreamTable(
      long id,
      TableRef name,
      String query,
      RefreshMode mode,
      ResourceBudget budget,
      Duration schedule,
      List<TableRef> sources,
      long sourceRows,
      Strategy strategy,
      String templateVersion) {
    this(
        id,
        name,
        query,
        mode,
        budget,
        schedule,
        sources,
        sourceRows,
        strategy,
        templateVersion,
        SourceSchema.NONE);
  }
}
