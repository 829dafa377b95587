package dev.trickle.testing;

import dev.trickle.config.PipelineConfig;
import dev.trickle.config.PipelineLoader;
import dev.trickle.observe.Metrics;
import dev.trickle.service.Pipeline;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Starts a {@link Pipeline} in-process on a test database from YAML text. */
public final class PipelineFixture implements AutoCloseable {
  private final Pipeline pipeline;
  private final Metrics metrics = new Metrics();
  private final Path file;

  private PipelineFixture(Path file, PipelineConfig config) {
    this.file = file;
    this.pipeline = new Pipeline(config, metrics);
  }

  /**
   * The change source the integration tests run on: {@code pgoutput} unless the system property
   * {@code trickle.test.cdc.source} says {@code debezium} (the parity run in the build).
   */
  public static String cdcSource() {
    return System.getProperty("trickle.test.cdc.source", "pgoutput");
  }

  /**
   * Writes a pipeline file for {@code db} with the given stream tables and extra settings.
   *
   * @param db the database
   * @param slot slot and publication name
   * @param body YAML lines below {@code cdc:} (settings and stream_tables)
   * @return the file
   * @throws IOException when it cannot be written
   */
  public static Path writeConfig(PgDatabase db, String slot, String body) throws IOException {
    Path f = Files.createTempFile("trickle-it-", ".yaml");
    String yaml =
        "version: 1\n"
            + "database:\n"
            + "  url: "
            + db.postgresUrl()
            + "\n"
            + "cdc:\n"
            + "  source: "
            + cdcSource()
            + "\n"
            + "  slot: "
            + slot
            + "\n"
            + "  publication: "
            + slot
            + "\n"
            + body;
    Files.writeString(f, yaml, StandardCharsets.UTF_8);
    return f;
  }

  /**
   * The {@code stream_tables:} YAML of named queries sharing a schedule, each with the refresh mode
   * {@code mode} gives it.
   *
   * @param queries stream table name to defining query, in order
   * @param schedule the schedule of every stream table
   * @param mode refresh mode by stream table name
   * @return the YAML text
   */
  public static String streamTablesYaml(
      Map<String, String> queries,
      String schedule,
      java.util.function.Function<String, String> mode) {
    StringBuilder yaml = new StringBuilder("stream_tables:\n");
    queries.forEach(
        (name, query) ->
            yaml.append("  - name: ")
                .append(name)
                .append("\n    query: ")
                .append(query)
                .append("\n    schedule: ")
                .append(schedule)
                .append("\n    refresh_mode: ")
                .append(mode.apply(name))
                .append('\n'));
    return yaml.toString();
  }

  /**
   * Starts a pipeline and waits until it is ready.
   *
   * @param config the pipeline file
   * @return the running fixture
   * @throws Exception when it does not start
   */
  public static PipelineFixture start(Path config) throws Exception {
    PipelineConfig cfg = new PipelineLoader(System.getenv(), Map.of()).load(config);
    PipelineFixture f = new PipelineFixture(config, cfg);
    f.pipeline.start();
    long deadline = System.currentTimeMillis() + 60_000;
    while (!f.pipeline.isReady() && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    if (!f.pipeline.isReady()) {
      f.close();
      throw new IllegalStateException("pipeline not ready: " + f.pipeline.notReadyReason());
    }
    return f;
  }

  /** The pipeline. */
  public Pipeline pipeline() {
    return pipeline;
  }

  /** Its metrics. */
  public Metrics metrics() {
    return metrics;
  }

  /** The pipeline file. */
  public Path file() {
    return file;
  }

  @Override
  public void close() {
    pipeline.close();
  }
}
