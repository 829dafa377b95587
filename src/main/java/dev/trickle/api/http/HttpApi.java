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
import java.util.Optional;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The HTTP endpoints of CONTRACT §4 that exist so far: {@code /metrics}, {@code /healthz}, {@code
 * /readyz} and {@code GET /api/v1/stream-tables}. The admin API requires a bearer token when bound
 * to a non-loopback address.
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
   * @throws IllegalArgumentException when bound to a non-loopback address without a token
   */
  public HttpApi(String hostPort, Pipeline pipeline, Metrics metrics, String token) {
    this.pipeline = pipeline;
    this.metrics = metrics;
    this.token = token == null ? "" : token;
    int colon = hostPort.lastIndexOf(':');
    String host = hostPort.substring(0, colon);
    int port = Integer.parseInt(hostPort.substring(colon + 1));
    if (!isLoopback(host) && this.token.isEmpty()) {
      throw new IllegalArgumentException(
          "the HTTP server binds to "
              + host
              + ", which is not loopback: set monitoring.api_token or TRICKLE_API_TOKEN");
    }
    this.server =
        HttpServer.create()
            .host(host)
            .port(port)
            .route(
                r ->
                    r.get("/metrics", (req, res) -> text(res, 200, metrics.scrape()))
                        .get("/healthz", (req, res) -> json(res, 200, Map.of("status", "ok")))
                        .get("/readyz", (req, res) -> ready(res))
                        .get(
                            "/api/v1/stream-tables",
                            (req, res) -> authorized(req, res, this::list)))
            .bindNow();
  }

  /** The bound port. */
  public int port() {
    return server.port();
  }

  private Publisher<Void> ready(HttpServerResponse res) {
    Optional<String> reason = pipeline.notReadyReason();
    return reason.isEmpty()
        ? json(res, 200, Map.of("status", "ready"))
        : json(res, 503, Map.of("status", "not ready", "reason", reason.get()));
  }

  private Publisher<Void> authorized(
      HttpServerRequest req,
      HttpServerResponse res,
      java.util.function.Function<HttpServerResponse, Publisher<Void>> handler) {
    if (!token.isEmpty()) {
      String auth = req.requestHeaders().get("Authorization");
      if (auth == null || !auth.equals("Bearer " + token)) {
        return json(res, 401, Map.of("error", "missing or wrong bearer token"));
      }
    }
    return handler.apply(res);
  }

  private Publisher<Void> list(HttpServerResponse res) {
    return Mono.fromCallable(this::streamTables)
        .subscribeOn(Schedulers.boundedElastic())
        .flatMap(body -> Mono.from(json(res, 200, body)))
        .onErrorResume(
            e -> Mono.from(json(res, 503, Map.of("error", String.valueOf(e.getMessage())))));
  }

  private List<Map<String, Object>> streamTables() throws Exception {
    List<Map<String, Object>> out = new ArrayList<>();
    try (Connection conn = pipeline.database().connect()) {
      for (StreamTableRow r : CatalogStore.listAll(conn)) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", r.name().toString());
        m.put("query", r.query());
        m.put("status", r.status());
        m.put("refresh_mode", r.refreshMode());
        m.put("strategy", r.strategy().name());
        m.put("schedule", Durations.format(r.schedule()));
        m.put("preset", r.preset());
        m.put("last_refresh", r.lastRefreshAt() == null ? null : r.lastRefreshAt().toString());
        m.put(
            "staleness_ms",
            r.lastRefreshAt() == null
                ? null
                : Duration.between(r.lastRefreshAt(), Instant.now()).toMillis());
        m.put("frontier", r.frontier() == null ? null : r.frontier().toString());
        m.put("error", r.lastError());
        out.add(m);
      }
    }
    return out;
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
