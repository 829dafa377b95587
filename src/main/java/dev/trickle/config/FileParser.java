package dev.trickle.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/** Parses the top level of one pipeline file: version, database, cdc, settings, stream tables. */
final class FileParser {

  static final List<String> KEYS =
      List.of("version", "database", "cdc", "settings", "stream_tables");
  static final List<String> CDC_KEYS = List.of("source", "slot", "publication", "debezium");

  private FileParser() {}

  static ParsedFile parse(Node root, NodeReader reader) {
    if (NodeReader.isNull(root) || !(root instanceof MappingNode)) {
      reader.problem(root, "", "expected a mapping with version, database and stream_tables");
      return unreadable(reader.file());
    }
    Map<String, NodeTuple> top = reader.mapping(root, "", KEYS);
    version(root, top, reader);
    NodeTuple database = top.get("database");
    NodeTuple cdc = top.get("cdc");
    NodeTuple settings = top.get("settings");
    NodeTuple tables = top.get("stream_tables");
    return new ParsedFile(
        reader.file(),
        database != null,
        database == null ? null : database(database.getValueNode(), reader).orElse(null),
        cdc == null ? null : cdc(cdc.getValueNode(), reader).orElse(null),
        settings == null ? Map.of() : SettingsParser.parse(settings.getValueNode(), reader),
        tables == null ? List.of() : StreamTableParser.parse(tables.getValueNode(), reader));
  }

  /** Returns an empty result that does not make the database look missing. */
  static ParsedFile unreadable(Path file) {
    return new ParsedFile(file, true, null, null, Map.of(), List.of());
  }

  private static void version(Node root, Map<String, NodeTuple> top, NodeReader reader) {
    NodeTuple tuple = top.get("version");
    if (tuple == null) {
      reader.problem(root, "version", "is required (use version: 1)");
      return;
    }
    reader
        .scalar(tuple.getValueNode(), "version")
        .filter(v -> !v.strip().equals("1"))
        .ifPresent(
            v ->
                reader.problem(
                    tuple.getValueNode(),
                    "version",
                    "unsupported version \"" + v + "\" (only 1 is supported)"));
    if (NodeReader.isNull(tuple.getValueNode())) {
      reader.problem(tuple.getValueNode(), "version", "is required (use version: 1)");
    }
  }

  private static Optional<Located<DatabaseUrl>> database(Node node, NodeReader reader) {
    Map<String, NodeTuple> entries = reader.mapping(node, "database", List.of("url"));
    NodeTuple url = entries.get("url");
    if (url == null || NodeReader.isNull(url.getValueNode())) {
      reader.problem(url == null ? node : url.getValueNode(), "database.url", "is required");
      return Optional.empty();
    }
    Optional<String> text = reader.scalar(url.getValueNode(), "database.url");
    try {
      return text.map(
          t ->
              new Located<>(
                  DatabaseUrl.parse(t), reader.file(), NodeReader.line(url.getValueNode())));
    } catch (IllegalArgumentException e) {
      reader.problem(url.getValueNode(), "database.url", e.getMessage());
      return Optional.empty();
    }
  }

  private static Optional<Located<CdcConfig>> cdc(Node node, NodeReader reader) {
    int before = reader.problemCount();
    Map<String, NodeTuple> entries = reader.mapping(node, "cdc", CDC_KEYS);
    CdcConfig defaults = CdcConfig.defaults();
    String source = check(entries, "source", defaults.source(), reader);
    String slot = check(entries, "slot", defaults.slot(), reader);
    String publication = check(entries, "publication", defaults.publication(), reader);
    Map<String, String> debezium = debezium(entries.get("debezium"), reader);
    if (reader.problemCount() != before) {
      return Optional.empty();
    }
    return Optional.of(
        new Located<>(
            new CdcConfig(source, slot, publication, debezium),
            reader.file(),
            NodeReader.line(node)));
  }

  private static Map<String, String> debezium(NodeTuple tuple, NodeReader reader) {
    if (tuple == null) {
      return Map.of();
    }
    Map<String, NodeTuple> entries = reader.mapping(tuple.getValueNode(), "cdc.debezium", null);
    Map<String, String> out = new java.util.TreeMap<>();
    for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
      String path = "cdc.debezium." + e.getKey();
      Optional<String> problem = CdcConfig.debeziumKeyProblem(e.getKey());
      if (problem.isPresent()) {
        reader.problem(e.getValue().getKeyNode(), path, problem.get());
        continue;
      }
      reader.scalar(e.getValue().getValueNode(), path).ifPresent(v -> out.put(e.getKey(), v));
    }
    return out;
  }

  private static String check(
      Map<String, NodeTuple> entries, String key, String fallback, NodeReader reader) {
    Optional<String> value = reader.scalar(entries, key, "cdc");
    if (value.isEmpty()) {
      return fallback;
    }
    Optional<String> problem =
        switch (key) {
          case "source" -> CdcConfig.sourceProblem(value.get());
          case "slot" -> CdcConfig.slotProblem(value.get());
          default -> CdcConfig.publicationProblem(value.get());
        };
    problem.ifPresent(p -> reader.problem(entries.get(key).getValueNode(), "cdc." + key, p));
    return value.get();
  }
}
