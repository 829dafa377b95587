package dev.trickle.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** What the benchmarks share: percentiles of sorted samples, and the machine's CPU model. */
final class BenchmarkMachine {
  private BenchmarkMachine() {}

  /**
   * A nearest-rank percentile.
   *
   * @param sorted samples in ascending order
   * @param q the quantile, 0 to 1
   * @return the sample, or NaN when there are none
   */
  static double pct(double[] sorted, double q) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  /** The CPU model from /proc/cpuinfo, or {@code unknown}. */
  static String cpuModel() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8)) {
      if (line.startsWith("model name")) {
        return line.substring(line.indexOf(':') + 1).strip();
      }
    }
    return "unknown";
  }
}
