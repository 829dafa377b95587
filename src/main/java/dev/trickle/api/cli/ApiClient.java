package dev.trickle.api.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trickle.model.UserError;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * Talks to a running service's HTTP API for the CLI commands {@code create}, {@code drop}, {@code
 * refresh} and {@code status}. A 4xx answer is a user error (exit 2) with the service's message; no
 * service listening is a runtime failure (exit 1) that says how to start one.
 */
final class ApiClient {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String base;
  private final String token;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  ApiClient(String hostPort, String token) {
    this.base = "http://" + hostPort;
    this.token = token;
  }

  Object get(String path) throws IOException, InterruptedException {
    return send(request(path).GET().build());
  }

  Object post(String path, Map<String, Object> body) throws IOException, InterruptedException {
    return send(
        request(path)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
            .build());
  }

  Object delete(String path) throws IOException, InterruptedException {
    return send(request(path).DELETE().build());
  }

  static String segment(String name) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8);
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(11));
    if (token != null && !token.isEmpty()) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  private Object send(HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (ConnectException e) {
      throw new IOException(
          "no Trickle service answers at "
              + base
              + " (start one with bin/trickle run --config ...)",
          e);
    }
    Object body =
        response.body().isBlank() ? Map.of() : JSON.readValue(response.body(), Object.class);
    if (response.statusCode() >= 400 && response.statusCode() < 500) {
      Object error = body instanceof Map<?, ?> m ? m.get("error") : body;
      throw new UserError(String.valueOf(error));
    }
    if (response.statusCode() >= 500) {
      Object error = body instanceof Map<?, ?> m ? m.get("error") : body;
      throw new IOException("the service failed: " + error);
    }
    return body;
  }
}
