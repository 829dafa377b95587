package dev.trickle.api.cli;

import dev.trickle.config.ConfigException;
import dev.trickle.model.UserError;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code trickle} command and its exit-code policy. */
@Command(
    name = "trickle",
    mixinStandardHelpOptions = true,
    version = "trickle 0.1.0",
    description = "Keeps SQL stream tables in PostgreSQL fresh from logical replication.",
    subcommands = {
      RunCommand.class,
      DemoCommand.class,
      ValidateCommand.class,
      PreviewCommand.class,
      AdminCommands.Create.class,
      AdminCommands.Drop.class,
      AdminCommands.Refresh.class,
      AdminCommands.Status.class,
      AdminCommands.Latency.class,
      AdminCommands.Tune.class
    })
public final class TrickleCli implements Runnable {
  /** Exit code for bad usage or invalid configuration. */
  public static final int USAGE = 2;

  /** Exit code for runtime failures. */
  public static final int FAILURE = 1;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
  }

  /**
   * Runs the command line and returns its exit code.
   *
   * @param args arguments
   * @return exit code
   */
  public static int execute(String... args) {
    CommandLine cl = new CommandLine(new TrickleCli());
    cl.setExecutionExceptionHandler(
        (ex, cmd, parsed) -> {
          PrintWriter err = cmd.getErr();
          if (ex instanceof UserError || ex instanceof ConfigException) {
            ex.getMessage().lines().forEach(l -> err.println("error: " + l));
            return USAGE;
          }
          String m = ex.getMessage() == null ? ex.toString() : ex.getMessage();
          err.println("error: " + m.lines().findFirst().orElse(m));
          return FAILURE;
        });
    return cl.execute(args);
  }
}
