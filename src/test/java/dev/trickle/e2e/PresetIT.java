package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trickle.testing.CliRun;
import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import dev.trickle.testing.ServiceProcess;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each preset creates a stream table with exactly its defaults (schedule, refresh mode, workers,
 * memory) through each creation path (YAML, HTTP, CLI); explicit parameters win over the preset;
 * and the memory is the {@code work_mem} the stream table's refreshes really run with, as a
 * statement trigger on its storage records.
 */
final class PresetIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  private static final String QUERY = "SELECT id, v FROM src WHERE v > 0";
  private static final int MAX_WORKERS = 3;

  /** What a stream table should show: schedule, mode, workers, merge_work_mem_mb, preset. */
  private record Expected(String schedule, String mode, int workers, int memoryMb, String preset) {}

  private static final Expected REAL_TIME =
      new Expected("1s", "DIFFERENTIAL", MAX_WORKERS, 256, "real-time");
  private static final Expected BATCH = new Expected("5m", "AUTO", 1, 64, "batch");
  private static final Expected COST = new Expected("15m", "AUTO", 1, 32, "cost-optimized");

  @Test
  void presetsGiveTheirDefaultsOnEveryPathAndExplicitParametersWin() throws Exception {
    db.execute(
        "CREATE TABLE src (id int PRIMARY KEY, v int)",
        "INSERT INTO src SELECT g, g % 7 FROM generate_series(1, 50) g",
        "CREATE TABLE work_mem_seen (st text, work_mem text)",
        // records the work_mem of each statement that changes a stream table
        "CREATE FUNCTION note_work_mem() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO"
            + " work_mem_seen VALUES (TG_TABLE_NAME, current_setting('work_mem')); RETURN NULL;"
            + " END $$");
    StringBuilder yaml =
        new StringBuilder("settings:\n  scheduler:\n    max_workers: " + MAX_WORKERS + "\n");
    yaml.append("stream_tables:\n");
    for (var p : List.of("real-time", "batch", "cost-optimized")) {
      yaml.append("  - name: y_")
          .append(p.replace('-', '_'))
          .append("\n    query: ")
          .append(QUERY)
          .append("\n    preset: ")
          .append(p)
          .append('\n');
    }
    yaml.append("  - name: y_explicit\n    query: ")
        .append(QUERY)
        .append("\n    preset: batch\n    schedule: 2s\n    refresh_mode: DIFFERENTIAL")
        .append("\n    workers: 2\n    merge_work_mem_mb: 16MB\n");
    Path config = PipelineFixture.writeConfig(db, "presets", yaml.toString());
    try (ServiceProcess service = new ServiceProcess(config);
        Connection c = db.connect()) {
      service.start();
      String http = "127.0.0.1:" + service.port();
      for (var p : List.of("real-time", "batch", "cost-optimized")) {
        String name = p.replace('-', '_');
        String created =
            service.post(
                "/api/v1/stream-tables",
                "{\"name\": \"h_"
                    + name
                    + "\", \"query\": \""
                    + QUERY
                    + "\", \"preset\": \""
                    + p
                    + "\"}");
        assertThat(created).contains("\"preset\":\"" + p + "\"");
        CliRun cli = CliRun.of("create", "c_" + name, QUERY, "--preset", p, "--http", http);
        assertThat(cli.code()).as(cli.err()).isZero();
        assertThat(cli.out()).contains("public.c_" + name).contains(p);
      }
      CliRun explicit =
          CliRun.of(
              "create",
              "c_explicit",
              QUERY,
              "--preset",
              "cost-optimized",
              "--schedule",
              "2s",
              "--refresh-mode",
              "DIFFERENTIAL",
              "--workers",
              "2",
              "--merge-work-mem-mb",
              "16",
              "--http",
              http);
      assertThat(explicit.code()).as(explicit.err()).isZero();
      assertThat(
              service.post(
                  "/api/v1/stream-tables",
                  "{\"name\": \"h_explicit\", \"query\": \""
                      + QUERY
                      + "\", \"preset\":"
                      + " \"real-time\", \"schedule\": \"2s\", \"workers\": 2,"
                      + " \"merge_work_mem_mb\": 16}"))
          .contains("\"workers\":2");

      Map<String, Expected> expected = new HashMap<>();
      Expected own = new Expected("2s", "DIFFERENTIAL", 2, 16, null);
      for (String path : List.of("y", "h", "c")) {
        expected.put(path + "_real_time", REAL_TIME);
        expected.put(path + "_batch", BATCH);
        expected.put(path + "_cost_optimized", COST);
      }
      expected.put("y_explicit", withPreset(own, "batch"));
      expected.put("c_explicit", withPreset(own, "cost-optimized"));
      expected.put("h_explicit", withPreset(own, "real-time"));

      JsonNode list = new ObjectMapper().readTree(service.get("/api/v1/stream-tables"));
      Map<String, Expected> shown = new HashMap<>();
      for (JsonNode st : list) {
        if (st.get("name").asText().startsWith("public.st_")) {
          continue; // the other test's
        }
        shown.put(
            st.get("name").asText().substring("public.".length()),
            new Expected(
                st.get("schedule").asText(),
                st.get("refresh_mode").asText(),
                st.get("workers").asInt(),
                st.get("merge_work_mem_mb").asInt(),
                st.get("preset").isNull() ? null : st.get("preset").asText()));
      }
      assertThat(shown).isEqualTo(expected);

      // the memory is the work_mem the refreshes run with
      for (String name : expected.keySet()) {
        db.execute(
            "CREATE TRIGGER note AFTER INSERT OR UPDATE OR DELETE ON "
                + name
                + " FOR EACH STATEMENT EXECUTE FUNCTION note_work_mem()");
      }
      db.execute("UPDATE src SET v = v + 1");
      for (String name : expected.keySet()) {
        CliRun refreshed = CliRun.of("refresh", name, "--http", http);
        assertThat(refreshed.code()).as(refreshed.err()).isZero();
        assertThat(Oracle.difference(c, name, QUERY)).as(name).isZero();
      }
      Map<String, String> workMem = new HashMap<>();
      for (List<String> row :
          db.queryRows("SELECT DISTINCT st, work_mem FROM work_mem_seen ORDER BY 1")) {
        assertThat(workMem.put(row.get(0), row.get(1)))
            .as("one work_mem per stream table")
            .isNull();
      }
      Map<String, String> wanted = new HashMap<>();
      expected.forEach((name, e) -> wanted.put(name, e.memoryMb() + "MB"));
      assertThat(workMem).isEqualTo(wanted);

      CliRun bad = CliRun.of("create", "x", QUERY, "--workers", "none", "--http", http);
      assertThat(bad.code()).isEqualTo(2);
      assertThat(bad.err()).contains("workers").contains("max");
      assertThat(service.terminate()).isZero();
    }
  }

  @Test
  void bufferedChangesOverTheStreamTablesMemory_refreshItAheadOfItsSchedule() throws Exception {
    db.execute("CREATE TABLE big (id int PRIMARY KEY, pad text)");
    String query = "SELECT id, pad FROM big";
    String yaml =
        "stream_tables:\n  - {name: st_big, query: \""
            + query
            + "\", schedule: 1h, refresh_mode: DIFFERENTIAL, merge_work_mem_mb: 1}\n";
    try (Connection c = db.connect();
        var p =
            dev.trickle.testing.PipelineFixture.start(
                PipelineFixture.writeConfig(db, "budget", yaml))) {
      assertThat(Oracle.difference(c, "st_big", query)).isZero();
      // about 2 MB of changes: twice the stream table's memory, long before its schedule is due
      db.execute("INSERT INTO big SELECT g, repeat('x', 200) FROM generate_series(1, 10000) g");
      assertThat(Oracle.awaitEqual(c, "st_big", query, 20_000)).isZero();
      assertThat(p.pipeline().isReady()).isTrue();
    }
  }

  private static Expected withPreset(Expected e, String preset) {
    return new Expected(e.schedule(), e.mode(), e.workers(), e.memoryMb(), preset);
  }
}
