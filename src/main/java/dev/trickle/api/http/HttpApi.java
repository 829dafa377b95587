package dev.trickle.api.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trickle.catalog.CatalogStore;
import dev.trickle.catalog.StreamTableRow;
import dev.trickle.config.Durations;
import dev.trickle.observe.Metrics;
import dev.trickle.service.Pipeline;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The HTTP endpoints of CONTRACT §4 that exist so far: {@code /metrics}, {@code /healthz}, {@code
 * /readyz}, {@code GET|POST /api/v1/stream-tables}, {@code DELETE /api/v1/stream-tables/{name}},
 * {@code POST /api/v1/stream-tables/{name}/refresh}, {@code GET /api/v1/commit-latency-stats},
 * {@code GET /api/v1/commit-latency-history}, {@code GET /api/v1/tune-recommendations} and {@code
 * POST /api/v1/preview}. The admin API requires a bearer token when bound to a non-loopback
 * address.
 *
 * <p>{@code GET /} serves the {@link StatusPage status page}, which needs no token itself.
 */
public final class HttpApi implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Pipeline pipeline;
  private final Metrics metrics;
  private final String token;
  private final DisposableServer server;

  /**
   * Binds the server.
   *
   * @param hostPort {@code host:port}
   * @param pipeline the running pipeline
   * @param metrics the metrics registry
   * @param token bearer token for the admin API (may be empty on loopback)
   * @throws dev.trickle.model.UserError when the address is not HOST:PORT, or is not loopback and
   *     there is no token
   */
  public HttpApi(String hostPort, Pipeline pipeline, Metrics metrics, String token) {
    this.pipeline = pipeline;
    this.metrics = metrics;
    this.token = token == null ? "" : token;
    int colon = hostPort.lastIndexOf(':');
    int port = -1;
    if (colon > 0) {
      try {
        port = Integer.parseInt(hostPort.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
    }
    if (port < 0 || port > 65535) {
      throw new dev.trickle.model.UserError(
          "HTTP address \"" + hostPort + "\" is not HOST:PORT (for example 127.0.0.1:8080)");
    }
    String host = hostPort.substring(0, colon);
    if (!isLoopback(host) && this.token.isEmpty()) {
      throw new dev.trickle.model.UserError(
          "the HTTP server binds to "
              + host
              + ", which is not loopback: set monitoring.api_token or TRICKLE_API_TOKEN");
    }
    this.server =
        HttpServer.create()
            .host(host)
            .port(port)
            .route(
                routes ->
                    routes
                        .get("/", (req, res) -> StatusPage.serve(res))
                        .get("/metrics", (req, res) -> text(res, 200, metrics.scrape()))
                        .get("/healthz", (req, res) -> json(res, 200, Map.of("status", "ok")))
                        .get("/readyz", (req, res) -> ready(res))
                        .get(
                            "/api/v1/stream-tables", (req, res) -> authorized(req, res, this::list))
                        .post(
                            "/api/v1/stream-tables",
                            (req, res) -> authorized(req, res, r -> body(req, r, this::create)))
                        .delete(
                            "/api/v1/stream-tables/{name}",
                            (req, res) ->
                                authorized(
                                    req,
                                    res,
                                    r ->
                                        call(
                                            r,
                                            200,
                                            () -> drop(req.param("name"), cascade(req.uri())))))
                        .post(
                            "/api/v1/stream-tables/{name}/refresh",
                            (req, res) ->
                                authorized(
                                    req, res, r -> call(r, 200, () -> refresh(req.param("name")))))
                        .get(
                            "/api/v1/commit-latency-stats",
                            (req, res) -> authorized(req, res, r -> call(r, 200, this::latency)))
                        .get(
                            "/api/v1/commit-latency-history",
                            (req, res) ->
                                authorized(req, res, r -> call(r, 200, this::latencyHistory)))
                        .get(
                            "/api/v1/tune-recommendations",
                            (req, res) ->
                                authorized(req, res, r -> call(r, 200, this::recommendations)))
                        .post(
                            "/api/v1/preview",
                            (req, res) -> authorized(req, res, r -> body(req, r, this::preview))))
            .bindNow();
  }

  /** The bound port. */
  public int port() {
    return server.port();
  }

  /** Readiness, worked out off the event loop: it may query the catalog over a slow network. */
  private Publisher<Void> ready(HttpServerResponse res) {
    return blocking(res, pipeline::notReadyReason)
        .flatMap(
            reason ->
                Mono.from(
                    reason.isEmpty()
                        ? json(res, 200, Map.of("status", "ready"))
                        : json(res, 503, Map.of("status", "not ready", "reason", reason.get()))))
        .onErrorResume(
            e -> Mono.from(json(res, 503, Map.of("status", "not ready", "reason", oneLine(e)))));
  }

  private Publisher<Void> authorized(
      HttpServerRequest req,
      HttpServerResponse res,
      java.util.function.Function<HttpServerResponse, Publisher<Void>> handler) {
    if (!token.isEmpty()) {
      String auth = req.requestHeaders().get("Authorization");
      if (auth == null
          || !java.security.MessageDigest.isEqual( // constant time: no timing oracle
              auth.getBytes(java.nio.charset.StandardCharsets.UTF_8),
              ("Bearer " + token).getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
        return json(res, 401, Map.of("error", "missing or wrong bearer token"));
      }
    }
    if (!pipeline.isStarted()) {
      return blocking(res, pipeline::notReadyReason)
          .flatMap(
              reason ->
                  Mono.from(
                      json(res, 503, Map.of("error", reason.orElse("the service is starting")))));
    }
    return handler.apply(res);
  }

  /** Largest request body accepted. */
  static final int MAX_BODY_BYTES = 1 << 20;

  private Publisher<Void> body(
      HttpServerRequest req,
      HttpServerResponse res,
      java.util.function.BiFunction<HttpServerResponse, Map<String, Object>, Publisher<Void>>
          handler) {
    if (declaredLength(req) > MAX_BODY_BYTES) {
      return json(res, 413, Map.of("error", "request body over 1 MiB"));
    }
    return req.receive()
        .aggregate()
        .asString(java.nio.charset.StandardCharsets.UTF_8)
        .defaultIfEmpty("")
        .flatMap(
            text -> {
              if (text.length() > MAX_BODY_BYTES) {
                return Mono.from(json(res, 413, Map.of("error", "request body over 1 MiB")));
              }
              Map<String, Object> fields;
              try {
                @SuppressWarnings("unchecked")
                Map<String, Object> parsed =
                    text.isBlank() ? Map.of() : JSON.readValue(text, Map.class);
                fields = parsed;
              } catch (com.fasterxml.jackson.core.JsonProcessingException | ClassCastException e) {
                return Mono.from(
                    json(res, 400, Map.of("error", "request body is not a JSON object")));
              }
              return Mono.from(handler.apply(res, fields));
            });
  }

  /** The Content-Length a request declares, or -1. */
  private static long declaredLength(HttpServerRequest req) {
    String length = req.requestHeaders().get("Content-Length");
    try {
      return length == null ? -1 : Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private Publisher<Void> call(
      HttpServerResponse res, int status, java.util.concurrent.Callable<Object> work) {
    return blocking(res, work)
        .flatMap(body -> Mono.from(json(res, status, body)))
        .onErrorResume(
            e ->
                Mono.from(
                    e instanceof dev.trickle.model.UserError
                        ? json(
                            res,
                            e.getMessage().contains("does not exist in this pipeline") ? 404 : 400,
                            Map.of("error", e.getMessage()))
                        : json(res, 500, Map.of("error", oneLine(e)))));
  }

  /**
   * Runs blocking work (JDBC, waiting for a refresh) off the event loop, then answers from the
   * connection's own event loop. Answering from the worker thread lost about one answer in 25 on a
   * kept-alive connection (a POST after a GET got none; reactor-netty 1.2.18 and 1.3.7 alike), see
   * HttpKeepAliveIT.
   */
  private static <T> Mono<T> blocking(
      HttpServerResponse res, java.util.concurrent.Callable<T> work) {
    java.util.concurrent.atomic.AtomicReference<java.util.concurrent.Executor> loop =
        new java.util.concurrent.atomic.AtomicReference<>();
    res.withConnection(connection -> loop.set(connection.channel().eventLoop()));
    Mono<T> result = Mono.fromCallable(work).subscribeOn(Schedulers.boundedElastic());
    return loop.get() == null ? result : result.publishOn(Schedulers.fromExecutor(loop.get()));
  }

  private Publisher<Void> create(HttpServerResponse res, Map<String, Object> f) {
    return call(
        res,
        201,
        () -> {
          var request =
              dev.trickle.service.StreamTableRequest.parse(
                  text(f, "name"),
                  text(f, "query"),
                  text(f, "schedule"),
                  text(f, "refresh_mode"),
                  text(f, "preset"),
                  text(f, "workers"),
                  text(f, "merge_work_mem_mb"),
                  pipeline.config().settings().scheduler().defaultSchedule());
          return describe(pipeline.admin().create(request));
        });
  }

  private Object drop(String name, boolean cascade) throws Exception {
    var ref = dev.trickle.service.StreamTableRequest.parseName(decode(name));
    var dropped = pipeline.admin().drop(ref, cascade);
    return Map.of(
        "dropped",
        ref.toString(),
        "cascaded",
        dropped.subList(0, dropped.size() - 1).stream().map(Object::toString).toList());
  }

  /** Whether a request's query string asks for {@code cascade=true}. */
  static boolean cascade(String uri) {
    int q = uri.indexOf('?');
    if (q < 0) {
      return false;
    }
    return java.util.regex.Pattern.compile("(?i)(^|&)cascade(=true)?(&|$)")
        .matcher(uri.substring(q + 1))
        .find();
  }

  private Object refresh(String name) throws Exception {
    var ref = dev.trickle.service.StreamTableRequest.parseName(decode(name));
    var o = pipeline.admin().refresh(ref);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", ref.toString());
    m.put("applied", o.applied());
    m.put("mode", o.mode().name());
    m.put("reason_code", o.reasonCode());
    m.put("source_transactions", o.sourceTransactions());
    m.put("delta_rows", o.deltaRows());
    m.put("rows_affected", o.rowsAffected());
    m.put("millis", o.millis());
    return m;
  }

  private Publisher<Void> preview(HttpServerResponse res, Map<String, Object> f) {
    return call(
        res,
        200,
        () -> {
          String query = text(f, "query");
          if (query == null || query.isBlank()) {
            throw new dev.trickle.model.UserError("query is required");
          }
          return pipeline.admin().preview(query).asMap();
        });
  }

  /** Commit-to-visible latency per stream table (seed QW-1), as {@code trickle latency} prints. */
  private Object latency() {
    List<Map<String, Object>> out = new ArrayList<>();
    metrics
        .latencySummaries()
        .forEach(
            (st, s) -> {
              Map<String, Object> m = new LinkedHashMap<>();
              m.put("stream_table", st);
              m.put("count", s.count());
              m.put("p50_ms", s.p50());
              m.put("p95_ms", s.p95());
              m.put("p99_ms", s.p99());
              m.put("max_ms", s.max());
              out.add(m);
            });
    return out;
  }

  /** Commit-to-visible latency second by second per stream table, for the status page's charts. */
  private Object latencyHistory() {
    List<Map<String, Object>> out = new ArrayList<>();
    metrics
        .latencyHistory()
        .forEach(
            (st, points) -> {
              List<Map<String, Object>> ps = new ArrayList<>();
              for (var p : points) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("at", Instant.ofEpochMilli(p.atMillis()).toString());
                m.put("count", p.count());
                m.put("p50_ms", p.p50());
                m.put("p99_ms", p.p99());
                ps.add(m);
              }
              out.add(Map.of("stream_table", st, "points", ps));
            });
    return out;
  }

  /** The configuration advisor's recommendations (seed QW-2), as {@code trickle tune} prints. */
  private Object recommendations() {
    List<Map<String, Object>> out = new ArrayList<>();
    for (var r : pipeline.recommendations()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("guc_name", r.gucName());
      m.put("current_value", r.currentValue());
      m.put("recommended_value", r.recommendedValue());
      m.put("reason", r.reason());
      out.add(m);
    }
    return out;
  }

  private static String text(Map<String, Object> f, String key) {
    Object v = f.get(key);
    return v == null ? null : String.valueOf(v);
  }

  private static String decode(String s) {
    return java.net.URLDecoder.decode(s, java.nio.charset.StandardCharsets.UTF_8);
  }

  private static String oneLine(Throwable e) {
    String m = e.getMessage() == null ? e.toString() : e.getMessage();
    return m.lines().findFirst().orElse(m);
  }

  private Publisher<Void> list(HttpServerResponse res) {
    return blocking(res, this::streamTables)
        .flatMap(body -> Mono.from(json(res, 200, body)))
        .onErrorResume(
            e -> Mono.from(json(res, 503, Map.of("error", String.valueOf(e.getMessage())))));
  }

  private List<Map<String, Object>> streamTables() throws Exception {
    List<Map<String, Object>> out = new ArrayList<>();
    try (Connection conn = pipeline.database().connect()) {
      for (StreamTableRow r : CatalogStore.listAll(conn)) {
        out.add(describe(r));
      }
    }
    return out;
  }

  private Map<String, Object> describe(StreamTableRow r) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("name", r.name().toString());
    m.put("query", r.query());
    m.put("status", r.status());
    m.put("refresh_mode", r.refreshMode());
    m.put("strategy", r.strategy().name());
    m.put("schedule", Durations.format(r.schedule()));
    m.put("preset", r.budget().presetName());
    var settings = pipeline.config().settings();
    m.put("workers", r.budget().effectiveWorkers(settings.scheduler().maxWorkers()));
    m.put("merge_work_mem_mb", r.budget().effectiveMergeWorkMemMb(settings.dvm().mergeWorkMemMb()));
    m.put("last_refresh", r.lastRefreshAt() == null ? null : r.lastRefreshAt().toString());
    m.put(
        "staleness_ms",
        r.lastRefreshAt() == null
            ? null
            : Duration.between(r.lastRefreshAt(), Instant.now()).toMillis());
    m.put("frontier", r.frontier() == null ? null : r.frontier().toString());
    m.put("error", r.lastError());
    m.put("origin", r.origin());
    return m;
  }

  private static Publisher<Void> json(HttpServerResponse res, int status, Object body) {
    try {
      return res.status(HttpResponseStatus.valueOf(status))
          .header("Content-Type", "application/json")
          .sendString(Mono.just(JSON.writeValueAsString(body)));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      return res.status(500).sendString(Mono.just("{\"error\":\"serialization\"}"));
    }
  }

  private static Publisher<Void> text(HttpServerResponse res, int status, String body) {
    return res.status(status)
        .header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
        .sendString(Mono.just(body));
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  @Override
  public void close() {
    server.disposeNow();
  }

  /** The metrics registry served at /metrics. */
  public Metrics metrics() {
    return metrics;
  }
}
