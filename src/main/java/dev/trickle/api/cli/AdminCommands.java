package dev.trickle.api.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The CLI commands that talk to a running service over its HTTP API. */
final class AdminCommands {
  private AdminCommands() {}

  /** Options every admin command shares. */
  static class Connection {
    @Option(names = "--http", description = "the service's HTTP address (default 127.0.0.1:8765)")
    String http = "127.0.0.1:8765";

    @Option(
        names = "--token",
        description = "bearer token (default $TRICKLE_API_TOKEN); needed off loopback")
    String token = System.getenv("TRICKLE_API_TOKEN");

    ApiClient client() {
      return new ApiClient(http, token);
    }
  }

  /** {@code trickle create NAME QUERY}. */
  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Creates and fills a stream table in a running service.")
  static final class Create extends Connection implements Callable<Integer> {
    @Parameters(index = "0", description = "table or schema.table")
    String name;

    @Parameters(index = "1", description = "the defining query")
    String query;

    @Option(names = "--schedule", description = "e.g. 1s, 500ms, 5m")
    String schedule;

    @Option(names = "--refresh-mode", description = "FULL, DIFFERENTIAL or AUTO")
    String refreshMode;

    @Option(names = "--preset", description = "real-time, batch or cost-optimized")
    String preset;

    @Option(
        names = "--workers",
        description = "refresh workers it may use: a whole number from 1, or max")
    String workers;

    @Option(names = "--merge-work-mem-mb", description = "work_mem of its refreshes in megabytes")
    String mergeWorkMemMb;

    @Override
    public Integer call() throws Exception {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("name", name);
      body.put("query", query);
      if (schedule != null) {
        body.put("schedule", schedule);
      }
      if (refreshMode != null) {
        body.put("refresh_mode", refreshMode);
      }
      if (preset != null) {
        body.put("preset", preset);
      }
      if (workers != null) {
        body.put("workers", workers);
      }
      if (mergeWorkMemMb != null) {
        body.put("merge_work_mem_mb", mergeWorkMemMb);
      }
      Object created = client().post("/api/v1/stream-tables", body);
      printTable(List.of(created));
      return 0;
    }
  }

  /** {@code trickle drop NAME}. */
  @Command(
      name = "drop",
      mixinStandardHelpOptions = true,
      description = "Drops a stream table (its table and catalog rows) in a running service.")
  static final class Drop extends Connection implements Callable<Integer> {
    @Parameters(index = "0", description = "table or schema.table")
    String name;

    @Option(
        names = "--cascade",
        description = "also drop the stream tables that read it (and their readers)")
    boolean cascade;

    @Override
    public Integer call() throws Exception {
      Object out =
          client()
              .delete(
                  "/api/v1/stream-tables/"
                      + ApiClient.segment(name)
                      + (cascade ? "?cascade=true" : ""));
      if (out instanceof Map<?, ?> m
          && m.get("cascaded") instanceof List<?> also
          && !also.isEmpty()) {
        also.forEach(a -> System.out.println("dropped " + a));
      }
      System.out.println("dropped " + name);
      return 0;
    }
  }

  /** {@code trickle refresh NAME}. */
  @Command(
      name = "refresh",
      mixinStandardHelpOptions = true,
      description = "Refreshes a stream table now and prints what the refresh did.")
  static final class Refresh extends Connection implements Callable<Integer> {
    @Parameters(index = "0", description = "table or schema.table")
    String name;

    @Override
    public Integer call() throws Exception {
      Object outcome =
          client().post("/api/v1/stream-tables/" + ApiClient.segment(name) + "/refresh", Map.of());
      printTable(List.of(outcome));
      return 0;
    }
  }

  /** {@code trickle status}. */
  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Lists the stream tables of a running service.")
  static final class Status extends Connection implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      Object list = client().get("/api/v1/stream-tables");
      printTable(list instanceof List<?> l ? l : List.of(list));
      return 0;
    }
  }

  /** {@code trickle latency}. */
  @Command(
      name = "latency",
      mixinStandardHelpOptions = true,
      description =
          "Prints commit-to-visible latency per stream table of a running service: samples, and"
              + " p50, p95, p99 over the latest 10,000, and the largest, in milliseconds.")
  static final class Latency extends Connection implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      Object list = client().get("/api/v1/commit-latency-stats");
      printTable(list instanceof List<?> l ? l : List.of(list));
      return 0;
    }
  }

  /** {@code trickle tune}. */
  @Command(
      name = "tune",
      mixinStandardHelpOptions = true,
      description =
          "Prints the configuration advisor's recommendations for a running service: a setting,"
              + " its value, the value recommended and why, from what it observed over"
              + " monitoring.advisor_window (see docs/OBSERVABILITY.md).")
  static final class Tune extends Connection implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      Object list = client().get("/api/v1/tune-recommendations");
      List<?> rows = list instanceof List<?> l ? l : List.of(list);
      if (rows.isEmpty()) {
        System.out.println("no recommendations: nothing observed calls for a change");
      } else {
        for (Object r : rows) {
          if (r instanceof Map<?, ?> m) {
            System.out.printf(
                Locale.ROOT,
                "%s: %s -> %s%n  %s%n",
                m.get("guc_name"),
                m.get("current_value"),
                m.get("recommended_value"),
                m.get("reason"));
          }
        }
      }
      return 0;
    }
  }

  /** Prints maps as an aligned table, one row per map, columns in first-seen order. */
  static void printTable(List<?> rows) {
    List<String> columns = new java.util.ArrayList<>();
    for (Object r : rows) {
      if (r instanceof Map<?, ?> m) {
        for (Object k : m.keySet()) {
          if (!columns.contains(String.valueOf(k)) && !"query".equals(k)) {
            columns.add(String.valueOf(k));
          }
        }
      }
    }
    int[] width = new int[columns.size()];
    for (int i = 0; i < columns.size(); i++) {
      width[i] = columns.get(i).length();
      for (Object r : rows) {
        width[i] = Math.max(width[i], cell(r, columns.get(i)).length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < columns.size(); i++) {
      out.append(String.format(Locale.ROOT, "%-" + (width[i] + 2) + "s", columns.get(i)));
    }
    out.append('\n');
    for (Object r : rows) {
      for (int i = 0; i < columns.size(); i++) {
        out.append(
            String.format(Locale.ROOT, "%-" + (width[i] + 2) + "s", cell(r, columns.get(i))));
      }
      out.append('\n');
    }
    System.out.print(out);
  }

  private static String cell(Object row, String column) {
    Object v = row instanceof Map<?, ?> m ? m.get(column) : null;
    return v == null ? "" : String.valueOf(v);
  }
}
