package dev.trickle.testing;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The service run as a separate JVM ({@code trickle run}), so that tests can kill it hard. */
public final class ServiceProcess implements AutoCloseable {
  private final Path config;
  private final Path log;
  private final int port;
  private Process process;
  private final java.util.Map<String, String> environment = new java.util.HashMap<>();
  private List<String> jvmOptions = List.of();

  /**
   * Prepares (does not start) a service.
   *
   * @param config the pipeline file
   * @throws IOException when no port or log file is available
   */
  public ServiceProcess(Path config) throws IOException {
    this.config = config;
    this.log = Files.createTempFile("trickle-service-", ".log");
    try (ServerSocket s = new ServerSocket(0)) {
      this.port = s.getLocalPort();
    }
  }

  /**
   * Sets environment variables for the JVM (applied at the next start).
   *
   * @param variables name to value
   * @return this
   */
  public ServiceProcess withEnvironment(java.util.Map<String, String> variables) {
    environment.putAll(variables);
    return this;
  }

  /**
   * Sets the JVM options of the next starts (replacing earlier ones), e.g. a crash point.
   *
   * @param options options such as {@code -Dtrickle.crash.at=after_commit}
   * @return this
   */
  public ServiceProcess withJvmOptions(String... options) {
    jvmOptions = List.of(options);
    return this;
  }

  /**
   * Waits for the service to exit by itself.
   *
   * @param timeout how long to wait
   * @return its exit code, or empty when it still runs
   * @throws InterruptedException when interrupted
   */
  public java.util.OptionalInt awaitExit(java.time.Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)
        ? java.util.OptionalInt.of(process.exitValue())
        : java.util.OptionalInt.empty();
  }

  /** Starts the JVM and waits until {@code /readyz} answers 200. */
  public void start() throws Exception {
    launch("/readyz");
  }

  /**
   * Starts the service and returns once its HTTP server answers, ready or not (an instance standing
   * by for another one is never ready until it takes over).
   *
   * @throws Exception when it exits or does not answer within a minute
   */
  public void startAnswering() throws Exception {
    launch("/healthz");
  }

  /**
   * Starts the JVM and returns at once, without waiting for it to answer (for a service that may
   * halt at a crash point before it is ready).
   *
   * @throws IOException when the JVM cannot be started
   */
  public void spawn() throws IOException {
    process = processBuilder().start();
  }

  private void launch(String until) throws Exception {
    process = processBuilder().start();
    await(until);
  }

  private ProcessBuilder processBuilder() {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command =
        new java.util.ArrayList<>(List.of(java, "-Xmx256m", "-XX:+ExitOnOutOfMemoryError"));
    command.addAll(jvmOptions);
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "dev.trickle.Main",
            "run",
            "--config",
            config.toString(),
            "--http",
            "127.0.0.1:" + port));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(environment);
    pb.redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    return pb;
  }

  private void await(String until) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("service exited " + process.exitValue() + ": " + logTail());
      }
      if (status(until) == 200) {
        return;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("service not ready: " + logTail());
  }

  /** HTTP status of a GET, or -1 when nothing answers. */
  public int status(String path) {
    try {
      HttpURLConnection c =
          (HttpURLConnection)
              URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(2000);
      int code = c.getResponseCode();
      c.disconnect();
      return code;
    } catch (IOException e) {
      return -1;
    }
  }

  /** Body of a GET. */
  public String get(String path) throws IOException {
    HttpURLConnection c = open(path);
    return answer(c, "GET " + path);
  }

  /**
   * {@code /readyz}'s status and answer, as {@code "503: {...}"}.
   *
   * @return status, colon, body
   * @throws IOException when the service does not answer
   */
  public String readyz() throws IOException {
    HttpURLConnection c = open("/readyz");
    int status = c.getResponseCode();
    return status + ": " + answer(c, "GET /readyz");
  }

  /** A connection that gives up instead of hanging a test run. */
  private HttpURLConnection open(String path) throws IOException {
    HttpURLConnection c =
        (HttpURLConnection) URI.create("http://127.0.0.1:" + port + path).toURL().openConnection();
    c.setConnectTimeout(5_000);
    c.setReadTimeout((int) ANSWER_TIMEOUT.toMillis());
    return c;
  }

  /** How long a request may go unanswered before the test fails with the service's threads. */
  static final java.time.Duration ANSWER_TIMEOUT = java.time.Duration.ofSeconds(60);

  private String answer(HttpURLConnection c, String request) throws IOException {
    try (var in = c.getResponseCode() < 400 ? c.getInputStream() : c.getErrorStream()) {
      return in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (java.net.SocketTimeoutException e) {
      throw new AssertionError(unanswered(request), e);
    }
  }

  /** Why a request failed: what hung, the service's threads and the end of its log. */
  private String unanswered(String request) {
    return "the service did not answer "
        + request
        + " within "
        + ANSWER_TIMEOUT.toSeconds()
        + " s\n--- service threads ---\n"
        + threadDump()
        + "\n--- service log (end) ---\n"
        + logTail();
  }

  /** The service JVM's threads, as {@code jcmd PID Thread.print} prints them. */
  public String threadDump() {
    if (process == null || !process.isAlive()) {
      return "(the service is not running)";
    }
    String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
    try {
      Process p =
          new ProcessBuilder(jcmd, Long.toString(process.pid()), "Thread.print")
              .redirectErrorStream(true)
              .start();
      byte[] out = p.getInputStream().readAllBytes();
      p.waitFor(30, TimeUnit.SECONDS);
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(jcmd failed: " + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "(interrupted)";
    }
  }

  /** The HTTP port. */
  public int port() {
    return port;
  }

  /** Body of a POST with a JSON body (also for error statuses). */
  public String post(String path, String json) throws IOException {
    HttpURLConnection c = open(path);
    c.setRequestMethod("POST");
    c.setDoOutput(true);
    c.setRequestProperty("Content-Type", "application/json");
    c.getOutputStream().write(json.getBytes(StandardCharsets.UTF_8));
    return answer(c, "POST " + path);
  }

  /**
   * POSTs a body and returns the status code and the answer.
   *
   * @param path the path
   * @param body the body
   * @param chunked send it chunked (no Content-Length), else with its length declared
   * @return {@code status: answer}
   * @throws Exception on I/O failures
   */
  public String postRaw(String path, byte[] body, boolean chunked) throws Exception {
    java.net.http.HttpRequest.BodyPublisher publisher =
        chunked
            ? java.net.http.HttpRequest.BodyPublishers.ofInputStream(
                () -> new java.io.ByteArrayInputStream(body))
            : java.net.http.HttpRequest.BodyPublishers.ofByteArray(body);
    try {
      java.net.http.HttpResponse<String> r =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + port + path))
                      .timeout(ANSWER_TIMEOUT)
                      .POST(publisher)
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString());
      return r.statusCode() + ": " + r.body();
    } catch (java.net.http.HttpTimeoutException e) {
      throw new AssertionError(unanswered("POST " + path), e);
    }
  }

  /** SIGKILL, no chance to clean up. */
  public void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /**
   * SIGTERM and wait.
   *
   * @return the exit code
   */
  public int terminate() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return -1;
    }
    return process.exitValue();
  }

  /** The last part of the service's output. */
  public String logTail() {
    try {
      String s = Files.readString(log);
      return s.substring(Math.max(0, s.length() - 3000));
    } catch (IOException e) {
      return "";
    }
  }

  /** The log file. */
  public File logFile() {
    return log.toFile();
  }

  @Override
  public void close() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
    }
  }
}
