package dev.trickle.api.cli;

import dev.trickle.config.PipelineConfig;
import dev.trickle.config.PipelineLoader;
import dev.trickle.observe.Metrics;
import dev.trickle.service.Pipeline;
import dev.trickle.service.Plan;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trickle validate --config PATH}: checks without changing anything. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    description = "Parses the pipeline files and checks every stream table against the database.")
final class ValidateCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, description = "YAML file or directory")
  Path config;

  @Override
  public Integer call() throws Exception {
    PipelineConfig cfg = new PipelineLoader().load(config);
    try (Pipeline p = new Pipeline(cfg, new Metrics())) {
      for (Plan plan : p.validate()) {
        System.out.println(
            "ok  "
                + plan.name()
                + "  "
                + plan.mode()
                + " ("
                + plan.sql().strategy()
                + ") reads "
                + plan.sources());
      }
    }
    return 0;
  }
}
