package dev.trickle.observe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Keeps the Grafana dashboard of compose.yaml ({@code deploy/grafana}) in step with the metrics
 * docs/OBSERVABILITY.md lists (which {@code ObservabilityIT} keeps in step with {@code /metrics}),
 * with the provisioned datasources, and with the files compose.yaml mounts.
 */
final class DashboardTest {

  private static final Path DASHBOARD = Path.of("deploy/grafana/dashboards/trickle.json");
  private static final Path DATASOURCES =
      Path.of("deploy/grafana/provisioning/datasources/datasources.yaml");
  private static final Path PROVIDERS =
      Path.of("deploy/grafana/provisioning/dashboards/dashboards.yaml");
  private static final Path COMPOSE = Path.of("compose.yaml");
  private static final Path PROMETHEUS = Path.of("deploy/prometheus.yml");
  private static final Path DOC = Path.of("docs/OBSERVABILITY.md");

  /** A metric name in a PromQL expression (after string literals are removed). */
  private static final Pattern METRIC = Pattern.compile("\\b(?:pg_trickle|cache)_[a-z_]+\\b");

  /** A PromQL string literal, such as a label value {@code "pg_trickle_templates"}. */
  private static final Pattern STRING_LITERAL = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");

  /** A metric row of docs/OBSERVABILITY.md: name and type. */
  private static final Pattern DOC_ROW =
      Pattern.compile("(?m)^\\| `([a-z_]+)` \\| ([a-z]+)[^|]*\\|");

  /** The series a histogram or summary family {@code X} adds: {@code X_bucket} and so on. */
  private static final Pattern SERIES_SUFFIX = Pattern.compile("(.+)_(bucket|count|sum)");

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void dashboard_isTrickle() throws IOException {
    JsonNode dashboard = dashboard();
    assertThat(dashboard.path("uid").asText()).isEqualTo("trickle");
    assertThat(dashboard.path("title").asText()).isEqualTo("Trickle");
    assertThat(dashboard.path("schemaVersion").asInt()).isGreaterThanOrEqualTo(36);
    List<Integer> ids = new ArrayList<>();
    panels(dashboard).forEach(p -> ids.add(p.path("id").asInt()));
    assertThat(ids).as("panel ids").doesNotHaveDuplicates().doesNotContain(0);

    JsonNode variable = dashboard.path("templating").path("list").path(0);
    assertThat(variable.path("name").asText()).isEqualTo("stream_table");
    assertThat(variable.path("query").asText())
        .isEqualTo("label_values(pg_trickle_commit_to_visible_ms_count, stream_table)");
    assertThat(variable.path("multi").asBoolean()).isTrue();
    assertThat(variable.path("includeAll").asBoolean()).isTrue();
  }

  @Test
  void dashboard_queriesOnlyMetricsTheDocumentationLists() throws IOException {
    Map<String, String> documented = documentedMetrics();
    assertThat(documented)
        .as("metric rows parsed from %s", DOC)
        .containsEntry("pg_trickle_commit_to_visible_ms", "histogram")
        .containsEntry("pg_trickle_refresh_duration_seconds", "summary")
        .containsEntry("cache_gets_total", "counter");

    JsonNode dashboard = dashboard();
    Map<String, List<String>> exprs = exprsByPanel(dashboard);
    exprs.put(
        "variable stream_table",
        List.of(dashboard.path("templating").path("list").path(0).path("query").asText()));
    Set<String> used = new TreeSet<>();
    List<String> unknown = new ArrayList<>();
    exprs.forEach(
        (panel, list) -> {
          for (String expr : list) {
            for (String name : metricNames(expr)) {
              used.add(name);
              if (!isDocumented(name, documented)) {
                unknown.add(panel + ": " + name);
              }
            }
          }
        });
    assertThat(used).as("metric names found in the dashboard's queries").hasSizeGreaterThan(10);
    assertThat(unknown).as("metrics the dashboard queries but %s does not list", DOC).isEmpty();
  }

  @Test
  void dashboard_coversLatencyLagRefreshesAndWorkers() throws IOException {
    Map<String, List<String>> exprs = exprsByPanel(dashboard());
    for (String family :
        List.of(
            "pg_trickle_commit_to_visible_ms",
            "pg_trickle_replication_lag_bytes",
            "pg_trickle_replication_lag_seconds",
            "pg_trickle_stream_table_lag_ms",
            "pg_trickle_refresh_duration_seconds",
            "pg_trickle_refresh_rows_total",
            "pg_trickle_refresh_errors_total",
            "pg_trickle_workers_target",
            "pg_trickle_workers_active",
            "pg_trickle_refresh_queue_depth",
            "cache_gets_total")) {
      assertThat(exprs.values())
          .as("a panel querying %s", family)
          .anyMatch(
              list ->
                  list.stream()
                      .anyMatch(
                          e ->
                              metricNames(e).stream()
                                  .anyMatch(n -> n.equals(family) || n.startsWith(family + "_"))));
    }
    assertThat(exprs.values())
        .as("a panel with commit-to-visible percentiles from the histogram")
        .anyMatch(
            list ->
                list.stream()
                    .anyMatch(
                        e ->
                            e.startsWith("histogram_quantile(0.99,")
                                && e.contains("by (le, stream_table)")
                                && e.contains("rate(pg_trickle_commit_to_visible_ms_bucket")));
  }

  @Test
  void everyPanel_queriesTheProvisionedPrometheus() throws IOException {
    JsonNode prometheus = datasource("prometheus").orElseThrow();
    assertThat(prometheus.path("uid").asText()).isEqualTo("prometheus");
    assertThat(prometheus.path("isDefault").asBoolean()).isTrue();
    assertThat(datasource("jaeger"))
        .get()
        .extracting(j -> j.path("uid").asText())
        .isEqualTo("jaeger");
    String uid = prometheus.path("uid").asText();

    List<String> wrong = new ArrayList<>();
    JsonNode dashboard = dashboard();
    for (JsonNode panel : panels(dashboard)) {
      String title = panel.path("title").asText();
      if (panel.path("type").asText().equals("row")) {
        assertThat(panel.path("targets")).as("targets of row %s", title).isEmpty();
        continue;
      }
      if (!isPrometheus(panel.path("datasource"), uid)) {
        wrong.add(title + ": " + panel.path("datasource"));
      }
      assertThat(panel.path("targets")).as("targets of %s", title).isNotEmpty();
      for (JsonNode target : panel.path("targets")) {
        if (target.has("datasource") && !isPrometheus(target.path("datasource"), uid)) {
          wrong.add(title + " " + target.path("refId").asText() + ": " + target.path("datasource"));
        }
      }
    }
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      if (!isPrometheus(variable.path("datasource"), uid)) {
        wrong.add("variable " + variable.path("name").asText());
      }
    }
    assertThat(wrong).as("panels not on the provisioned Prometheus (uid %s)", uid).isEmpty();
  }

  @Test
  void datasources_pointAtComposeServices() throws IOException {
    JsonNode services = yaml(COMPOSE).path("services");
    for (String type : List.of("prometheus", "jaeger")) {
      URI url = URI.create(datasource(type).orElseThrow().path("url").asText());
      assertThat(services.has(url.getHost()))
          .as("%s datasource %s names a service of %s", type, url, COMPOSE)
          .isTrue();
    }
    for (JsonNode job : yaml(PROMETHEUS).path("scrape_configs")) {
      for (JsonNode config : job.path("static_configs")) {
        for (JsonNode target : config.path("targets")) {
          String host = target.asText().substring(0, target.asText().indexOf(':'));
          assertThat(services.has(host))
              .as("%s target %s names a service of %s", PROMETHEUS, target, COMPOSE)
              .isTrue();
        }
      }
    }
  }

  @Test
  void compose_mountsFilesOfTheRepository() throws IOException {
    JsonNode services = yaml(COMPOSE).path("services");
    for (String service : List.of("grafana", "prometheus")) {
      Map<String, String> mounts = mounts(services.path(service));
      assertThat(mounts).as("bind mounts of %s", service).isNotEmpty();
      mounts.forEach(
          (container, host) ->
              assertThat(Path.of(host))
                  .as("%s mounted at %s:%s", host, service, container)
                  .exists());
    }
  }

  @Test
  void grafana_loadsTheDashboardAndOpensOnIt() throws IOException {
    JsonNode grafana = yaml(COMPOSE).path("services").path("grafana");
    Map<String, String> mounts = mounts(grafana);
    assertThat(mounts).containsKey("/etc/grafana/provisioning");
    assertThat(Path.of(mounts.get("/etc/grafana/provisioning")).resolve("datasources"))
        .isEqualTo(DATASOURCES.getParent());

    String home =
        grafana.path("environment").path("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH").asText();
    assertThat(hostPath(mounts, home))
        .as("home dashboard %s on the host", home)
        .contains(DASHBOARD);

    JsonNode providers = yaml(PROVIDERS).path("providers");
    assertThat(providers).isNotEmpty();
    for (JsonNode provider : providers) {
      String path = provider.path("options").path("path").asText();
      assertThat(hostPath(mounts, path))
          .as("dashboards directory %s on the host", path)
          .contains(DASHBOARD.getParent());
    }
  }

  private static JsonNode dashboard() throws IOException {
    return JSON.readTree(Files.readString(DASHBOARD));
  }

  private static JsonNode yaml(Path file) throws IOException {
    Object tree = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
    return JSON.valueToTree(tree);
  }

  private static Optional<JsonNode> datasource(String type) throws IOException {
    for (JsonNode ds : yaml(DATASOURCES).path("datasources")) {
      if (ds.path("type").asText().equals(type)) {
        return Optional.of(ds);
      }
    }
    return Optional.empty();
  }

  private static boolean isPrometheus(JsonNode datasource, String uid) {
    return datasource.path("type").asText().equals("prometheus")
        && datasource.path("uid").asText().equals(uid);
  }

  /** Every panel, including those inside rows. */
  private static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      out.add(panel);
      panel.path("panels").forEach(out::add);
    }
    return out;
  }

  /** The query expressions of each panel, by title. */
  private static Map<String, List<String>> exprsByPanel(JsonNode dashboard) {
    Map<String, List<String>> out = new HashMap<>();
    for (JsonNode panel : panels(dashboard)) {
      List<String> exprs = new ArrayList<>();
      panel.path("targets").forEach(t -> exprs.add(t.path("expr").asText()));
      out.put(panel.path("title").asText(), exprs);
    }
    return out;
  }

  private static Set<String> metricNames(String expr) {
    Set<String> names = new TreeSet<>();
    Matcher m = METRIC.matcher(STRING_LITERAL.matcher(expr).replaceAll("\"\""));
    while (m.find()) {
      names.add(m.group());
    }
    return names;
  }

  /** Metric name to type ({@code histogram}, {@code summary}, {@code counter}, {@code gauge}). */
  private static Map<String, String> documentedMetrics() throws IOException {
    String doc = Files.readString(DOC);
    int start = doc.indexOf("\n## Metrics");
    int end = doc.indexOf("\n## ", start + 1);
    assertThat(start).as("section Metrics of %s", DOC).isNotNegative();
    Map<String, String> out = new HashMap<>();
    Matcher m = DOC_ROW.matcher(end < 0 ? doc.substring(start) : doc.substring(start, end));
    while (m.find()) {
      out.put(m.group(1), m.group(2));
    }
    return out;
  }

  /**
   * Whether a series name is listed, itself or as the family it belongs to: {@code X_bucket} of a
   * histogram {@code X}, {@code X_count} and {@code X_sum} of a histogram or summary {@code X}.
   */
  private static boolean isDocumented(String name, Map<String, String> documented) {
    if (documented.containsKey(name)) {
      return true;
    }
    Matcher m = SERIES_SUFFIX.matcher(name);
    if (!m.matches()) {
      return false;
    }
    String type = documented.getOrDefault(m.group(1), "");
    return m.group(2).equals("bucket")
        ? type.equals("histogram")
        : type.equals("histogram") || type.equals("summary");
  }

  /** Bind mounts {@code ./HOST:CONTAINER[:MODE]} of a compose service: container path to host. */
  private static Map<String, String> mounts(JsonNode service) {
    Map<String, String> out = new HashMap<>();
    for (JsonNode volume : service.path("volumes")) {
      String[] parts = volume.asText().split(":", 3);
      if (parts[0].startsWith("./")) {
        out.put(parts[1], parts[0].substring(2));
      }
    }
    return out;
  }

  /** The repository path a container path is mounted from, if any. */
  private static Optional<Path> hostPath(Map<String, String> mounts, String containerPath) {
    for (Map.Entry<String, String> mount : mounts.entrySet()) {
      String container = mount.getKey();
      if (containerPath.equals(container)) {
        return Optional.of(Path.of(mount.getValue()));
      }
      if (containerPath.startsWith(container + "/")) {
        return Optional.of(
            Path.of(mount.getValue(), containerPath.substring(container.length() + 1)));
      }
    }
    return Optional.empty();
  }
}
