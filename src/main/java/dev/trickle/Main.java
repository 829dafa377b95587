package dev.trickle;

import dev.trickle.api.cli.TrickleCli;

/** Entry point: runs the command line and exits with its code. */
public final class Main {
  private Main() {}

  /**
   * Runs the command line.
   *
   * @param args command-line arguments
   */
  public static void main(String[] args) {
    int code = TrickleCli.execute(args);
    if (code != 0 || !(args.length > 0 && args[0].equals("run"))) {
      System.exit(code);
    }
  }
}
