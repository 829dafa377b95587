package dev.trickle.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes a benchmark's result table into its marked section of docs/BENCHMARKS.md. */
final class BenchmarkDoc {
  private BenchmarkDoc() {}

  /**
   * Replaces what stands between {@code <!-- name:begin -->} and {@code <!-- name:end -->}.
   *
   * @param doc the document
   * @param name the section's marker name, e.g. {@code matrix}
   * @param table the new content
   * @throws IOException when the file cannot be read or written
   * @throws IllegalStateException when the markers are missing
   */
  static void writeSection(Path doc, String name, String table) throws IOException {
    String begin = "<!-- " + name + ":begin -->";
    String end = "<!-- " + name + ":end -->";
    String text = Files.readString(doc, StandardCharsets.UTF_8);
    int b = text.indexOf(begin);
    int e = text.indexOf(end);
    if (b < 0 || e < b) {
      throw new IllegalStateException(doc + " has no " + begin + " ... " + end + " section");
    }
    Files.writeString(
        doc,
        text.substring(0, b + begin.length()) + table + "\n" + text.substring(e),
        StandardCharsets.UTF_8);
  }
}
