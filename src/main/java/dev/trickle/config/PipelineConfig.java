package dev.trickle.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A loaded pipeline: one database, one CDC source, settings and the stream tables of every file.
 * {@link #toString()} never shows the database password nor the API token.
 *
 * @param files the files it was read from, in load order (at least one)
 * @param database the source database
 * @param cdc the replication slot and publication
 * @param settings the settings, with overrides applied
 * @param streamTables the stream tables in file order (may be empty)
 */
public record PipelineConfig(
    List<Path> files,
    DatabaseUrl database,
    CdcConfig cdc,
    Settings settings,
    List<StreamTableSpec> streamTables) {

  /** Checks the components and copies the lists. */
  public PipelineConfig {
    files = List.copyOf(files);
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(cdc, "cdc");
    Objects.requireNonNull(settings, "settings");
    streamTables = List.copyOf(streamTables);
    if (files.isEmpty()) {
      throw new IllegalArgumentException("a pipeline needs at least one file");
    }
  }
}
