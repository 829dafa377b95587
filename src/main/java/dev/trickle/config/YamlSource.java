package dev.trickle.config;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;

/** Reads one file into a YAML node tree, reporting unreadable, oversized and malformed files. */
final class YamlSource {

  /** The largest file accepted: 1 MiB. */
  static final long MAX_BYTES = 1024 * 1024;

  private YamlSource() {}

  static Optional<Node> read(Path file, Problems problems) {
    String text;
    try {
      long size = Files.size(file);
      if (size > MAX_BYTES) {
        problems.add(file, 0, "", "file is larger than 1 MiB (" + size + " bytes)");
        return Optional.empty();
      }
      text = new String(Files.readAllBytes(file), UTF_8);
    } catch (NoSuchFileException e) {
      problems.add(file, 0, "", "no such file");
      return Optional.empty();
    } catch (IOException e) {
      problems.add(file, 0, "", "cannot read the file (" + e.getClass().getSimpleName() + ")");
      return Optional.empty();
    }
    return compose(file, text, problems);
  }

  private static Optional<Node> compose(Path file, String text, Problems problems) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(20);
    options.setAllowRecursiveKeys(false);
    options.setCodePointLimit((int) MAX_BYTES);
    Yaml yaml = new Yaml(new SafeConstructor(options));
    try {
      Node root = yaml.compose(new StringReader(text));
      if (root == null) {
        problems.add(file, 0, "", "file is empty (expected a mapping starting with version: 1)");
      }
      return Optional.ofNullable(root);
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      int line = mark == null ? 0 : mark.getLine() + 1;
      String context = e.getContext() == null ? "" : " (" + e.getContext() + ")";
      problems.add(file, line, "", "invalid YAML: " + e.getProblem() + context);
      return Optional.empty();
    } catch (YAMLException e) {
      problems.add(file, 0, "", "invalid YAML: " + e.getMessage());
      return Optional.empty();
    }
  }
}
