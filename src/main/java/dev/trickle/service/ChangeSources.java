package dev.trickle.service;

import dev.trickle.cdc.ChangeSource;
import dev.trickle.cdc.ReplicationSource;
import dev.trickle.cdc.debezium.DebeziumSource;
import dev.trickle.config.CdcSettings;
import dev.trickle.config.PipelineConfig;
import java.util.function.LongSupplier;

/** Builds the change source a pipeline's configuration names ({@code cdc.source}). */
public final class ChangeSources {
  private ChangeSources() {}

  /**
   * The configured source; nothing connects until its transactions are subscribed.
   *
   * @param config the pipeline's configuration (source, slot, publication, cdc settings)
   * @param db the database
   * @param bufferedBytes current bytes held downstream
   * @param maxBufferedBytes reading pauses above this
   * @param idleListener told about idle positions
   * @return the source
   */
  public static ChangeSource of(
      PipelineConfig config,
      Database db,
      LongSupplier bufferedBytes,
      long maxBufferedBytes,
      ReplicationSource.IdleListener idleListener) {
    CdcSettings cdc = config.settings().cdc();
    String slot = config.cdc().slot();
    String publication = config.cdc().publication();
    if (config.cdc().isDebezium()) {
      return new DebeziumSource(
          db.url(),
          db.properties(),
          slot,
          publication,
          cdc.statusInterval(),
          cdc.reconnectBackoffMax(),
          bufferedBytes,
          maxBufferedBytes,
          idleListener,
          cdc.batchMaxTransactions(),
          cdc.batchMaxWait(),
          config.cdc().debezium(),
          cdc.receiveTimeout());
    }
    return new ReplicationSource(
        db.jdbcUrl(),
        db.properties(),
        slot,
        publication,
        cdc.statusInterval(),
        cdc.reconnectBackoffMax(),
        bufferedBytes,
        maxBufferedBytes,
        idleListener,
        cdc.batchMaxTransactions(),
        cdc.batchMaxWait(),
        cdc.receiveTimeout(),
        dev.trickle.cdc.SpillDirectory.open(
            java.nio.file.Path.of(
                cdc.spillDirectory().isEmpty()
                    ? System.getProperty("java.io.tmpdir")
                    : cdc.spillDirectory())),
        (long) cdc.spillThresholdMb() * 1024 * 1024);
  }
}
