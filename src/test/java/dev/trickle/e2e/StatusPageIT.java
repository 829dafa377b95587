package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import dev.trickle.testing.ServiceProcess;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The status page at {@code GET /} (issue 5, item 6), in Debian's headless Chromium against the
 * running service: a row per stream table with its status, mode and the p50/p99 that {@code
 * /api/v1/commit-latency-stats} answers, and a sparkline; a screenshot of it in {@code target/}.
 *
 * <p>Skipped when {@code /usr/bin/chromium} is missing, unless {@code TRICKLE_REQUIRE_CHROMIUM=1}
 * (CI installs it and sets that), then it fails.
 */
final class StatusPageIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ITEMS = "public.st_items";
  private static final String TOTALS = "public.st_totals";
  private static final Map<String, String> QUERIES = new LinkedHashMap<>();

  static {
    QUERIES.put("st_items", "SELECT id, grp, v FROM src WHERE v >= 0");
    QUERIES.put("st_totals", "SELECT grp, count(*) AS n, sum(v) AS total FROM src GROUP BY grp");
  }

  private static final int TRANSACTIONS = 30;

  /** Chromium's longest run; the page loads and renders in well under a second. */
  private static final long CHROMIUM_TIMEOUT_SECONDS = 60;

  /** Virtual time the page gets before the dump: its first render, then a few 2 s polls. */
  private static final int VIRTUAL_TIME_MS = 7_000;

  /** Virtual time for the screenshot: its first render and a poll or two. */
  private static final int SCREENSHOT_VIRTUAL_TIME_MS = 5_000;

  /** Real time the writer runs before the screenshot: the seconds its sparklines draw. */
  private static final long SCREENSHOT_HISTORY_MS = 15_000;

  @Test
  void everyStreamTableIsARowWithTheApisStatusModeAndLatency() throws Exception {
    if ("1".equals(System.getenv("TRICKLE_REQUIRE_CHROMIUM"))) {
      assertThat(Files.isExecutable(CHROMIUM))
          .as(CHROMIUM + " (TRICKLE_REQUIRE_CHROMIUM=1): install Debian's chromium package")
          .isTrue();
    }
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "install Debian's chromium package");

    db.execute(
        "CREATE TABLE src (id int PRIMARY KEY, grp text NOT NULL, v int NOT NULL)",
        "INSERT INTO src SELECT g, 'g' || (g % 4), g FROM generate_series(1, 40) g");
    var config =
        PipelineFixture.writeConfig(
            db,
            "statuspage",
            // a template cache of one entry for two stream tables: the advisor has something
            // to say by the time of the second look
            "settings:\n  dvm:\n    l1_cache_max_entries: 1\n"
                + PipelineFixture.streamTablesYaml(QUERIES, "50ms", name -> "DIFFERENTIAL"));
    try (ServiceProcess service = new ServiceProcess(config);
        Connection c = db.connect()) {
      service.start();
      String url = "http://127.0.0.1:" + service.port() + "/";
      HttpURLConnection get = (HttpURLConnection) URI.create(url).toURL().openConnection();
      assertThat(get.getResponseCode()).isEqualTo(200);
      assertThat(get.getContentType()).isEqualTo("text/html; charset=utf-8");
      assertThat(get.getHeaderField("Content-Security-Policy")).contains("default-src 'none'");
      get.disconnect();
      assertThat(service.get("/")).contains("<tbody id=\"rows\">");

      for (int i = 1; i <= TRANSACTIONS; i++) {
        db.execute(
            i % 3 == 0
                ? "INSERT INTO src VALUES (" + (100 + i) + ", 'g" + (i % 5) + "', " + i + ")"
                : "UPDATE src SET v = v + 1 WHERE id = " + i);
      }
      // writes stopped: once both are caught up and every sample is in, the numbers hold still
      for (var q : QUERIES.entrySet()) {
        assertThat(Oracle.awaitEqual(c, q.getKey(), q.getValue(), 20_000)).isZero();
      }
      long deadline = System.currentTimeMillis() + 10_000;
      while (!(count(service, ITEMS) >= TRANSACTIONS && count(service, TOTALS) >= TRANSACTIONS)
          && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      Thread.sleep(1_500); // the latency history closes its last interval within a second
      Map<String, JsonNode> stats = latency(service);
      Map<String, Integer> historyPoints = new LinkedHashMap<>();
      for (JsonNode h : JSON.readTree(service.get("/api/v1/commit-latency-history"))) {
        historyPoints.put(h.get("stream_table").asText(), h.get("points").size());
      }
      assertThat(stats.get(ITEMS).get("count").asLong()).isEqualTo(TRANSACTIONS);
      assertThat(stats.get(TOTALS).get("count").asLong()).isEqualTo(TRANSACTIONS);
      Map<String, JsonNode> tables = new LinkedHashMap<>();
      for (JsonNode t : JSON.readTree(service.get("/api/v1/stream-tables"))) {
        tables.put(t.get("name").asText(), t);
      }
      assertThat(tables).containsOnlyKeys(ITEMS, TOTALS);

      String dom = chromium(List.of("--dump-dom", "--virtual-time-budget=" + VIRTUAL_TIME_MS, url));
      Files.writeString(Path.of("target", "status-page.html"), dom); // to look at when it fails
      assertThat(latency(service)).as("latency stats held still during the dump").isEqualTo(stats);

      assertThat(attribute(dom, "span", "readiness", "data-ready")).isEqualTo("ready");
      assertThat(attribute(dom, "span", "updated", "data-updated")).as("rendered").isNotEmpty();
      assertThat(dom).containsPattern("<div id=\"problem\"[^>]* hidden");
      for (String name : List.of(ITEMS, TOTALS)) {
        JsonNode api = tables.get(name);
        JsonNode lat = stats.get(name);
        String row = row(dom, name);
        assertThat(text(cell(row, "name"))).isEqualTo(name);
        assertThat(api.get("status").asText()).isEqualTo("ACTIVE");
        assertThat(text(cell(row, "status"))).isEqualTo("ACTIVE");
        assertThat(cell(row, "status")).contains("class=\"badge green\"");
        assertThat(api.get("refresh_mode").asText()).isEqualTo("DIFFERENTIAL");
        assertThat(text(cell(row, "mode")))
            .startsWith("DIFFERENTIAL")
            .contains(api.get("strategy").asText());
        assertThat(text(cell(row, "schedule"))).isEqualTo(api.get("schedule").asText());
        assertThat(text(cell(row, "p50"))).isEqualTo(oneDecimal(lat.get("p50_ms").asDouble()));
        assertThat(text(cell(row, "p99"))).isEqualTo(oneDecimal(lat.get("p99_ms").asDouble()));
        assertThat(Double.parseDouble(attribute(row, "td", "p50", "data-ms")))
            .isEqualTo(lat.get("p50_ms").asDouble());
        assertThat(Double.parseDouble(attribute(row, "td", "p99", "data-ms")))
            .isEqualTo(lat.get("p99_ms").asDouble());
        assertThat(text(cell(row, "count"))).isEqualTo(lat.get("count").asText());
        Matcher chart =
            Pattern.compile("<svg class=\"sparkline\"[^>]*data-points=\"(\\d+)\"").matcher(row);
        assertThat(chart.find()).as("sparkline in " + row).isTrue();
        assertThat(Integer.parseInt(chart.group(1)))
            .as("the sparkline draws the service's latency history")
            .isPositive()
            .isEqualTo(historyPoints.get(name));
        assertThat(row).contains("<polyline class=\"line-p50\"", "<polyline class=\"line-p99\"");
        assertThat(row(dom, name)).doesNotContain("error-row");
      }

      // the screenshot (docs/images/status-page.png is one) while writes go on, so that the
      // sparklines, drawn from the service's per-second history, have a quarter of their two
      // minutes to show
      Path shot = Path.of("target", "status-page.png").toAbsolutePath();
      Files.deleteIfExists(shot);
      AtomicBoolean writing = new AtomicBoolean(true);
      AtomicReference<Exception> writeFailure = new AtomicReference<>();
      Thread writer =
          new Thread(
              () -> {
                try (Connection w = db.connect();
                    Statement st = w.createStatement()) {
                  for (int i = 0; writing.get(); i++) {
                    st.execute("UPDATE src SET v = v + 1 WHERE id = " + (1 + i % 40));
                    Thread.sleep(i % 50 < 25 ? 5 : 40);
                  }
                } catch (SQLException e) {
                  writeFailure.set(e);
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "status-page-writer");
      writer.start();
      try {
        Thread.sleep(SCREENSHOT_HISTORY_MS);
        chromium(
            List.of(
                "--screenshot=" + shot,
                "--window-size=1280,720",
                "--virtual-time-budget=" + SCREENSHOT_VIRTUAL_TIME_MS,
                url));
      } finally {
        writing.set(false);
        writer.join(10_000);
      }
      assertThat(writeFailure.get()).isNull();

      // the advisor's recommendations, as the API gives them
      JsonNode advice = JSON.readTree(service.get("/api/v1/tune-recommendations"));
      assertThat(advice).as("the one-entry cache is recommended larger").isNotEmpty();
      String page =
          chromium(List.of("--dump-dom", "--virtual-time-budget=" + VIRTUAL_TIME_MS, url));
      Files.writeString(Path.of("target", "status-page-advice.html"), page);
      assertThat(page).containsPattern("<p id=\"no-advice\"[^>]* hidden");
      for (JsonNode r : advice) {
        Matcher li =
            Pattern.compile(
                    "<li data-guc=\"" + Pattern.quote(r.get("guc_name").asText()) + "\">(.*?)</li>",
                    Pattern.DOTALL)
                .matcher(page);
        assertThat(li.find()).as(r.get("guc_name") + " listed in\n" + page).isTrue();
        assertThat(text(li.group(1)))
            .contains(
                r.get("guc_name").asText(),
                r.get("current_value").asText() + " \u2192 " + r.get("recommended_value").asText());
      }
      assertThat(shot).exists();
      byte[] png = Files.readAllBytes(shot);
      assertThat(png.length).as("screenshot bytes").isGreaterThan(8_000);
      assertThat(new String(png, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
      assertThat(service.terminate()).isZero();
    }
  }

  /** What the page shows for a number of milliseconds: JavaScript's {@code toFixed(1)}. */
  private static String oneDecimal(double ms) {
    return new BigDecimal(ms).setScale(1, RoundingMode.HALF_UP).toPlainString();
  }

  private static Map<String, JsonNode> latency(ServiceProcess service) throws IOException {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (JsonNode n : JSON.readTree(service.get("/api/v1/commit-latency-stats"))) {
      out.put(n.get("stream_table").asText(), n);
    }
    return out;
  }

  private static long count(ServiceProcess service, String name) throws IOException {
    JsonNode n = latency(service).get(name);
    return n == null ? 0 : n.get("count").asLong();
  }

  /** The {@code <tr>} of a stream table, its cells inside. */
  private static String row(String dom, String name) {
    Matcher m =
        Pattern.compile(
                "<tr data-stream-table=\"" + Pattern.quote(name) + "\"[^>]*>(.*?)</tr>",
                Pattern.DOTALL)
            .matcher(dom);
    assertThat(m.find()).as("a row for " + name + " in the page:\n" + dom).isTrue();
    return m.group(1);
  }

  /** The inner HTML of the cell with this class (the first of its classes). */
  private static String cell(String row, String cls) {
    Matcher m =
        Pattern.compile(
                "<td class=\"" + Pattern.quote(cls) + "(?: [^\"]*)?\"[^>]*>(.*?)</td>",
                Pattern.DOTALL)
            .matcher(row);
    assertThat(m.find()).as("cell ." + cls + " in " + row).isTrue();
    return m.group(1);
  }

  /** An attribute of the element with this tag and id or first class. */
  private static String attribute(String html, String tag, String idOrClass, String attr) {
    Matcher m =
        Pattern.compile(
                "<"
                    + tag
                    + " (?:id|class)=\""
                    + Pattern.quote(idOrClass)
                    + "(?: [^\"]*)?\"[^>]*? "
                    + Pattern.quote(attr)
                    + "=\"([^\"]*)\"")
            .matcher(html);
    assertThat(m.find()).as(tag + " " + idOrClass + " " + attr + " in\n" + html).isTrue();
    return m.group(1);
  }

  /** Text of an HTML fragment: tags dropped, the entities the dump uses decoded. */
  private static String text(String html) {
    return html.replaceAll("<[^>]*>", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
        .replaceAll("\\s+", " ")
        .strip();
  }

  /**
   * Runs headless Chromium on a fresh profile.
   *
   * @param args what to do ({@code --dump-dom}, {@code --screenshot=...}, the virtual time budget
   *     and the URL)
   * @return its standard output (the DOM for {@code --dump-dom})
   */
  private static String chromium(List<String> args) throws Exception {
    Path profile = Files.createTempDirectory("trickle-chromium-");
    Path out = Files.createTempFile("trickle-chromium-", ".out");
    Path err = Files.createTempFile("trickle-chromium-", ".err");
    List<String> command =
        new ArrayList<>(
            List.of(
                CHROMIUM.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + profile));
    command.addAll(args);
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
    try {
      boolean done = p.waitFor(CHROMIUM_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertThat(done).as("chromium done within " + CHROMIUM_TIMEOUT_SECONDS + " s").isTrue();
      assertThat(p.exitValue()).as(Files.readString(err)).isZero();
      return Files.readString(out, StandardCharsets.UTF_8);
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      List<Path> files;
      try (Stream<Path> walk = Files.walk(profile)) {
        files = walk.sorted(Comparator.reverseOrder()).toList();
      }
      for (Path f : files) {
        Files.deleteIfExists(f);
      }
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
