package dev.trickle.api.cli;

import dev.trickle.api.http.HttpApi;
import dev.trickle.config.PipelineConfig;
import dev.trickle.config.PipelineLoader;
import dev.trickle.observe.Metrics;
import dev.trickle.service.Pipeline;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trickle run --config PATH [--http HOST:PORT]}: runs until SIGTERM/SIGINT. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Runs the pipelines of a YAML file or directory until SIGTERM/SIGINT.")
final class RunCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, description = "YAML file or directory")
  Path config;

  @Option(names = "--http", description = "HTTP address host:port (default from monitoring.http)")
  String http;

  @Option(names = "--set", description = "override a setting: pg_trickle.<key>=<value>")
  Map<String, String> overrides = Map.of();

  @Override
  public Integer call() throws Exception {
    PipelineConfig cfg = new PipelineLoader(System.getenv(), overrides).load(config);
    Metrics metrics = new Metrics();
    Pipeline pipeline = new Pipeline(cfg, metrics);
    String token = cfg.settings().monitoring().apiToken();
    if (token.isEmpty() && System.getenv("TRICKLE_API_TOKEN") != null) {
      token = System.getenv("TRICKLE_API_TOKEN");
    }
    // the HTTP server first: an instance standing by for another one answers /readyz with why
    HttpApi api =
        new HttpApi(
            http != null ? http : cfg.settings().monitoring().http(), pipeline, metrics, token);
    try {
      pipeline.start();
    } catch (Exception e) {
      api.close();
      pipeline.close();
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean steppedDown =
        new java.util.concurrent.atomic.AtomicBoolean();
    pipeline.onLeadershipLost(
        () -> {
          steppedDown.set(true);
          stopped.countDown();
        });
    HttpApi server = api;
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (steppedDown.get()) {
                    return; // stopped already; the exit code is the command's
                  }
                  server.close();
                  pipeline.close();
                  stopped.countDown();
                  System.out.flush();
                  Runtime.getRuntime().halt(0);
                },
                "trickle-shutdown"));
    stopped.await();
    if (steppedDown.get()) {
      server.close();
      System.err.println(
          "trickle: " + pipeline.notReadyReason().orElse("another instance took the slot's lock"));
      return 1;
    }
    return 0;
  }
}
