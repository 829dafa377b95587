package dev.trickle.config;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/** Reads typed values out of one file's YAML nodes, recording a problem for each mismatch. */
final class NodeReader {

  private final Path file;
  private final Problems problems;
  private final EnvExpander env;

  NodeReader(Path file, Problems problems, EnvExpander env) {
    this.file = file;
    this.problems = problems;
    this.env = env;
  }

  Path file() {
    return file;
  }

  int problemCount() {
    return problems.size();
  }

  static int line(Node node) {
    return node.getStartMark().getLine() + 1;
  }

  static String join(String parent, String key) {
    return parent.isEmpty() ? key : parent + "." + key;
  }

  void problem(Node node, String key, String message) {
    problems.add(file, line(node), key, message);
  }

  static boolean isNull(Node node) {
    return node instanceof ScalarNode && Tag.NULL.equals(node.getTag());
  }

  /**
   * Returns the entries of a mapping by key, after reporting unknown and duplicate keys. A null
   * value reads as an empty mapping; another non-mapping is reported and reads as empty. A null
   * {@code allowed} accepts every key.
   */
  Map<String, NodeTuple> mapping(Node node, String path, List<String> allowed) {
    Map<String, NodeTuple> entries = new LinkedHashMap<>();
    if (isNull(node)) {
      return entries;
    }
    if (!(node instanceof MappingNode mapping)) {
      problem(node, path, "expected a mapping, found " + describe(node));
      return entries;
    }
    for (NodeTuple tuple : mapping.getValue()) {
      Node keyNode = tuple.getKeyNode();
      if (!(keyNode instanceof ScalarNode keyScalar)) {
        problem(keyNode, path, "keys must be plain names, found " + describe(keyNode));
        continue;
      }
      String key = keyScalar.getValue();
      String keyPath = join(path, key);
      if (allowed != null && !allowed.contains(key)) {
        problem(keyNode, keyPath, "unknown key (allowed: " + String.join(", ", allowed) + ")");
      } else if (entries.containsKey(key)) {
        int first = line(entries.get(key).getKeyNode());
        problem(keyNode, keyPath, "duplicate key (first at line " + first + ")");
      } else {
        entries.put(key, tuple);
      }
    }
    return entries;
  }

  /** Returns the items of a list; a null value reads as empty, another non-list is reported. */
  List<Node> sequence(Node node, String path) {
    if (isNull(node)) {
      return List.of();
    }
    if (!(node instanceof SequenceNode sequence)) {
      problem(node, path, "expected a list, found " + describe(node));
      return List.of();
    }
    return sequence.getValue();
  }

  /**
   * Returns a scalar value with environment references expanded; empty when the value is null, not
   * a scalar, or cannot be expanded (the last two are reported).
   */
  Optional<String> scalar(Node node, String path) {
    if (isNull(node)) {
      return Optional.empty();
    }
    if (!(node instanceof ScalarNode scalar)) {
      problem(node, path, "expected a single value, found " + describe(node));
      return Optional.empty();
    }
    try {
      return Optional.of(env.expand(scalar.getValue()));
    } catch (IllegalArgumentException e) {
      problem(node, path, e.getMessage());
      return Optional.empty();
    }
  }

  /** Returns the scalar value of an entry if the entry is present. */
  Optional<String> scalar(Map<String, NodeTuple> entries, String key, String path) {
    NodeTuple tuple = entries.get(key);
    return tuple == null ? Optional.empty() : scalar(tuple.getValueNode(), join(path, key));
  }

  private static String describe(Node node) {
    return switch (node.getNodeId()) {
      case mapping -> "a mapping";
      case sequence -> "a list";
      case scalar -> "a value";
      default -> "an alias";
    };
  }
}
