package dev.trickle.api.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The status page served at {@code GET /}: one self-contained HTML file (classpath resource {@code
 * /status/index.html}, inline CSS and JavaScript, nothing loaded from elsewhere) that polls {@code
 * /api/v1/stream-tables}, {@code /api/v1/commit-latency-stats} and {@code /readyz} every 2 s. The
 * page itself carries no data, so it needs no token; when the admin API answers 401 it asks for one
 * and sends it as a bearer header.
 */
final class StatusPage {
  static final String RESOURCE = "/status/index.html";

  /**
   * Inline scripts and styles only; requests to this server only. The page works offline and a
   * stray external URL in it would be refused by the browser rather than fetched.
   */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline';"
          + " connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none';"
          + " frame-ancestors 'none'";

  private static final byte[] PAGE = load();

  private StatusPage() {}

  static byte[] load() {
    try (InputStream in = StatusPage.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The page's HTML text. */
  static String html() {
    return new String(PAGE, StandardCharsets.UTF_8);
  }

  static Publisher<Void> serve(HttpServerResponse res) {
    return res.status(200)
        .header("Content-Type", "text/html; charset=utf-8")
        .header("Cache-Control", "no-cache")
        .header("X-Content-Type-Options", "nosniff")
        .header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        .sendByteArray(Mono.just(PAGE));
  }
}
