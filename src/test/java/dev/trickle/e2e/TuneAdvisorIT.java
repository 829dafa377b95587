package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trickle.advisor.Recommendation;
import dev.trickle.config.Durations;
import dev.trickle.testing.CliRun;
import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import dev.trickle.testing.ServiceProcess;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The configuration advisor (seed QW-2): each rule provoked by a real workload against a real
 * service, and a healthy service that gets no recommendation. The advisor looks back 10 s here.
 */
final class TuneAdvisorIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  private static final String WINDOW = "settings:\n  monitoring:\n    advisor_window: 10s\n";

  /** Runs statements over and over on its own connection until closed. */
  private static final class Writer implements AutoCloseable {
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;
    private volatile Exception failure;

    Writer(long pauseMillis, String... statements) {
      thread =
          new Thread(
              () -> {
                try (Connection c = db.connect();
                    Statement st = c.createStatement()) {
                  while (!stop.get()) {
                    for (String sql : statements) {
                      st.execute(sql);
                    }
                    Thread.sleep(pauseMillis);
                  }
                } catch (Exception e) {
                  failure = e;
                }
              },
              "writer");
      thread.start();
    }

    @Override
    public void close() {
      stop.set(true);
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (failure != null) {
        throw new AssertionError("the writer failed", failure);
      }
    }
  }

  /** Runs {@code body} while a writer runs the statements, pausing between rounds. */
  private static <T> T whileWriting(
      long pauseMillis, List<String> statements, java.util.concurrent.Callable<T> body)
      throws Exception {
    Writer w = new Writer(pauseMillis, statements.toArray(String[]::new));
    try {
      return body.call();
    } finally {
      w.close();
    }
  }

  /** Makes every write statement on a table (a MERGE fires three) sleep. */
  private static void slowDown(String table, double seconds) throws Exception {
    db.execute(
        "CREATE OR REPLACE FUNCTION slow_"
            + table
            + "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep("
            + seconds
            + "); RETURN NULL; END $$",
        "CREATE TRIGGER slow BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON "
            + table
            + " FOR EACH STATEMENT EXECUTE FUNCTION slow_"
            + table
            + "()");
  }

  /** Waits for the in-process service to recommend a setting. */
  private static Recommendation await(PipelineFixture p, String guc, long millis)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (System.currentTimeMillis() < deadline) {
      Optional<Recommendation> r =
          p.pipeline().recommendations().stream().filter(x -> x.gucName().equals(guc)).findFirst();
      if (r.isPresent()) {
        return r.get();
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        "no recommendation for "
            + guc
            + " within "
            + millis
            + " ms; have "
            + p.pipeline().recommendations());
  }

  /** The rows {@code pgtrickle.tune_recommendations()} returns: name, current, recommended. */
  private static List<List<String>> sqlRows() throws Exception {
    return db.queryRows(
        "SELECT guc_name, current_value, recommended_value FROM pgtrickle.tune_recommendations()");
  }

  /** Waits until SQL returns a recommendation with these values. */
  private static void awaitSql(Recommendation r) throws Exception {
    List<String> want = List.of(r.gucName(), r.currentValue(), r.recommendedValue());
    long deadline = System.currentTimeMillis() + 5_000;
    while (!sqlRows().contains(want) && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }
    assertThat(sqlRows()).contains(want);
  }

  @Test
  void refreshesSlowerThanTheirSchedule_aLongerSchedule() throws Exception {
    db.execute(
        "CREATE TABLE sched_src (id int PRIMARY KEY, v int)",
        "INSERT INTO sched_src SELECT g, g FROM generate_series(1, 20) g");
    String yaml =
        WINDOW
            + "stream_tables:\n  - {name: st_sched, query: \"SELECT id, v FROM sched_src\","
            + " schedule: 100ms, refresh_mode: DIFFERENTIAL}\n";
    try (PipelineFixture p =
        PipelineFixture.start(PipelineFixture.writeConfig(db, "sched", yaml))) {
      slowDown("st_sched", 0.1); // a MERGE fires three statement triggers: 300 ms or more
      Recommendation r =
          whileWriting(
              100,
              List.of("UPDATE sched_src SET v = v + 1 WHERE id = 1"),
              () -> await(p, "public.st_sched.schedule", 30_000));
      assertThat(r.currentValue()).isEqualTo("100ms");
      assertThat(Durations.parse(r.recommendedValue()).toMillis()).isGreaterThanOrEqualTo(600);
      assertThat(r.reason()).contains("longer than its 100ms schedule");
      awaitSql(r);
    }
  }

  @Test
  void changesOutgrowingTheMemory_moreMemory() throws Exception {
    db.execute("CREATE TABLE mem_src (id bigserial PRIMARY KEY, pad text)");
    String yaml =
        WINDOW
            + "stream_tables:\n  - {name: st_mem, query: \"SELECT id, pad FROM mem_src\","
            + " schedule: 1h, refresh_mode: DIFFERENTIAL, merge_work_mem_mb: 1}\n";
    try (PipelineFixture p = PipelineFixture.start(PipelineFixture.writeConfig(db, "mem", yaml))) {
      // about 1 MB a transaction, 4 a second: over the 1 MB budget again and again
      Recommendation r =
          whileWriting(
              250,
              List.of(
                  "INSERT INTO mem_src (pad) SELECT repeat(md5(g::text), 320) FROM"
                      + " generate_series(1, 100) g"),
              () -> await(p, "public.st_mem.merge_work_mem_mb", 30_000));
      assertThat(r.currentValue()).isEqualTo("1");
      assertThat(Integer.parseInt(r.recommendedValue())).isGreaterThanOrEqualTo(2);
      assertThat(r.reason()).contains("ahead of its 1h schedule", "1 MB of memory");
      assertThat(p.metrics().scrape())
          .containsPattern(
              "pg_trickle_refresh_ahead_of_schedule_total\\{stream_table=\"public.st_mem\"\\}"
                  + " ([3-9]|[1-9][0-9]+)\\.");
      awaitSql(r);
    }
  }

  @Test
  void refreshesWaitingForTheOnlyWorker_moreWorkers_sameOverHttpCliAndSql() throws Exception {
    StringBuilder yaml =
        new StringBuilder(
            WINDOW + "  scheduler:\n    max_workers: 1\n    min_workers: 1\nstream_tables:\n");
    List<String> writes = new ArrayList<>();
    for (String n : List.of("wk1", "wk2", "wk3")) {
      db.execute(
          "CREATE TABLE " + n + "_src (id int PRIMARY KEY, v int)",
          "INSERT INTO " + n + "_src SELECT g, g FROM generate_series(1, 10) g");
      yaml.append("  - {name: ")
          .append(n)
          .append(", query: \"SELECT id, v FROM ")
          .append(n)
          .append("_src\", schedule: 100ms, refresh_mode: DIFFERENTIAL}\n");
      writes.add("UPDATE " + n + "_src SET v = v + 1 WHERE id = 1");
    }
    try (ServiceProcess service =
            new ServiceProcess(PipelineFixture.writeConfig(db, "wk", yaml.toString()));
        Connection c = db.connect()) {
      service.start();
      assertThat(Oracle.awaitEqual(c, "wk3", "SELECT id, v FROM wk3_src", 20_000)).isZero();
      for (String n : List.of("wk1", "wk2", "wk3")) {
        slowDown(n, 0.05);
      }
      whileWriting(50, writes, () -> agreeEverywhere(service));
    }
  }

  /** Waits for the max_workers recommendation over HTTP, then reads it through the CLI and SQL. */
  private static Void agreeEverywhere(ServiceProcess service) throws Exception {
    JsonNode found = null;
    long deadline = System.currentTimeMillis() + 30_000;
    while (found == null && System.currentTimeMillis() < deadline) {
      Thread.sleep(200);
      for (JsonNode r : new ObjectMapper().readTree(service.get("/api/v1/tune-recommendations"))) {
        if (r.get("guc_name").asText().equals("pg_trickle.max_workers")) {
          found = r;
        }
      }
    }
    assertThat(found).as("pg_trickle.max_workers recommended").isNotNull();
    assertThat(found.get("current_value").asText()).isEqualTo("1");
    assertThat(found.get("recommended_value").asText()).isEqualTo("2");
    assertThat(found.get("reason").asText()).contains("all 1 were busy");

    CliRun cli = CliRun.of("tune", "--http", "127.0.0.1:" + service.port());
    assertThat(cli.code()).as(cli.err()).isZero();
    assertThat(cli.out()).contains("pg_trickle.max_workers: 1 -> 2", "all 1 were busy");
    awaitSql(new Recommendation("pg_trickle.max_workers", "1", "2", ""));
    return null;
  }

  @Test
  void lagHighWhileTheBufferIsFull_aLargerBuffer() throws Exception {
    // stored uncompressed, so that the WAL is as large as the changes Trickle buffers
    db.execute(
        "CREATE TABLE buf_src (id bigserial PRIMARY KEY, pad text)",
        "ALTER TABLE buf_src ALTER COLUMN pad SET STORAGE EXTERNAL");
    String yaml =
        WINDOW
            + "  cdc:\n    buffer_max_mb: 1\n"
            + "stream_tables:\n  - {name: st_buf, query: \"SELECT count(*) AS n FROM buf_src\","
            + " schedule: 500ms, refresh_mode: AUTO}\n";
    try (PipelineFixture p = PipelineFixture.start(PipelineFixture.writeConfig(db, "buf", yaml))) {
      slowDown("st_buf", 1.0);
      Recommendation r =
          whileWriting(
              100,
              List.of(
                  "INSERT INTO buf_src (pad) SELECT repeat(md5(g::text), 320) FROM"
                      + " generate_series(1, 50) g"),
              () -> await(p, "pg_trickle.buffer_max_mb", 40_000));
      assertThat(r.currentValue()).isEqualTo("1");
      assertThat(r.recommendedValue()).isEqualTo("2");
      assertThat(r.reason()).contains("WAL not yet confirmed stayed high", "1 MB change buffer");
      awaitSql(r);
    }
  }

  @Test
  void deltasRoutinelyChunked_aLargerMergeBatch() throws Exception {
    db.execute(
        "CREATE TABLE chunk_src (id int PRIMARY KEY, v int)",
        "INSERT INTO chunk_src SELECT g, g FROM generate_series(1, 100) g");
    String yaml =
        WINDOW
            + "  dvm:\n    merge_batch_size: 10\n"
            + "stream_tables:\n  - {name: st_chunk, query: \"SELECT id, v FROM chunk_src\","
            + " schedule: 100ms, refresh_mode: DIFFERENTIAL}\n";
    try (PipelineFixture p =
        PipelineFixture.start(PipelineFixture.writeConfig(db, "chunk", yaml))) {
      Recommendation r =
          whileWriting(
              300,
              List.of("UPDATE chunk_src SET v = v + 1 WHERE id <= 40"),
              () -> await(p, "pg_trickle.merge_batch_size", 30_000));
      assertThat(r.currentValue()).isEqualTo("10");
      assertThat(Long.parseLong(r.recommendedValue())).isGreaterThanOrEqualTo(40);
      assertThat(r.reason()).contains("public.st_chunk (");
      awaitSql(r);
    }
  }

  @Test
  void templateCacheTooSmall_moreEntries() throws Exception {
    StringBuilder yaml =
        new StringBuilder(WINDOW + "  dvm:\n    l1_cache_max_entries: 1\nstream_tables:\n");
    db.execute(
        "CREATE TABLE cache_src (id int PRIMARY KEY, v int)",
        "INSERT INTO cache_src SELECT g, g FROM generate_series(1, 10) g");
    for (String n : List.of("c1", "c2", "c3")) {
      yaml.append("  - {name: ")
          .append(n)
          .append(", query: \"SELECT id, v FROM cache_src WHERE id > 0\", schedule: 100ms,")
          .append(" refresh_mode: DIFFERENTIAL}\n");
    }
    try (PipelineFixture p =
        PipelineFixture.start(PipelineFixture.writeConfig(db, "cache", yaml.toString()))) {
      Recommendation r =
          whileWriting(
              50,
              List.of("UPDATE cache_src SET v = v + 1 WHERE id = 1"),
              () -> await(p, "pg_trickle.l1_cache_max_entries", 30_000));
      assertThat(r.currentValue()).isEqualTo("1");
      assertThat(Long.parseLong(r.recommendedValue())).isGreaterThanOrEqualTo(3);
      assertThat(r.reason()).contains("missed the in-memory cache", "while 3 refreshed");
      awaitSql(r);
    }
  }

  @Test
  void aHealthyService_underLoadAndIdle_getsNoRecommendation() throws Exception {
    db.execute(
        "CREATE TABLE ok_src (id int PRIMARY KEY, v int)",
        "INSERT INTO ok_src SELECT g, g FROM generate_series(1, 100) g");
    String yaml =
        WINDOW
            + "stream_tables:\n"
            // schedules far above what a refresh takes even on a loaded machine (CI once saw 100 ms
            // refreshes take 272 ms while other work ran)
            + "  - {name: ok_rows, query: \"SELECT id, v FROM ok_src\", schedule: 1s}\n"
            + "  - {name: ok_sum, query: \"SELECT v % 5 AS k, sum(id) AS s FROM ok_src GROUP BY"
            + " v % 5\", schedule: 2s}\n";
    try (PipelineFixture p = PipelineFixture.start(PipelineFixture.writeConfig(db, "ok", yaml))) {
      List<Recommendation> seen = new ArrayList<>();
      whileWriting(
          100,
          List.of("UPDATE ok_src SET v = v + 1 WHERE id = 7"),
          () -> {
            for (int i = 0; i < 60; i++) { // 12 s under load: more than the window
              seen.addAll(p.pipeline().recommendations());
              Thread.sleep(200);
            }
            return null;
          });
      for (int i = 0; i < 15; i++) { // then idle
        seen.addAll(p.pipeline().recommendations());
        Thread.sleep(200);
      }
      assertThat(seen).isEmpty();
      assertThat(sqlRows()).isEmpty();
    }
  }
}
