package dev.trickle.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/** Parses the {@code stream_tables} list of one file. */
final class StreamTableParser {

  static final List<String> KEYS =
      List.of(
          "name", "query", "schedule", "refresh_mode", "preset", "workers", "merge_work_mem_mb");

  private StreamTableParser() {}

  static List<StreamTableSpec> parse(Node node, NodeReader reader) {
    List<StreamTableSpec> specs = new ArrayList<>();
    List<Node> items = reader.sequence(node, "stream_tables");
    for (int i = 0; i < items.size(); i++) {
      parseOne(items.get(i), "stream_tables[" + i + "]", reader).ifPresent(specs::add);
    }
    return specs;
  }

  private static Optional<StreamTableSpec> parseOne(Node item, String path, NodeReader reader) {
    if (NodeReader.isNull(item)) {
      reader.problem(item, path, "expected a mapping with name and query, found nothing");
      return Optional.empty();
    }
    int problemsBefore = reader.problemCount();
    Map<String, NodeTuple> entries = reader.mapping(item, path, KEYS);
    Optional<String[]> name =
        required(entries, "name", path, item, reader)
            .flatMap(n -> convert(n, "name", path, entries, reader, StreamTableParser::splitName));
    Optional<String> query = required(entries, "query", path, item, reader);
    Optional<Duration> schedule = optional(entries, "schedule", path, reader, Durations::parse);
    Optional<RefreshMode> mode =
        optional(entries, "refresh_mode", path, reader, RefreshMode::parse);
    Optional<Preset> preset = optional(entries, "preset", path, reader, Preset::parse);
    Optional<Integer> workers =
        optional(entries, "workers", path, reader, ResourceBudget::parseWorkers);
    Optional<Integer> memory =
        optional(entries, "merge_work_mem_mb", path, reader, ResourceBudget::parseMegabytes);
    if (name.isEmpty() || query.isEmpty() || reader.problemCount() != problemsBefore) {
      return Optional.empty();
    }
    return Optional.of(
        new StreamTableSpec(
            name.get()[0],
            name.get()[1],
            query.get(),
            schedule.orElse(null),
            mode.orElse(null),
            preset.orElse(null),
            workers.orElse(null),
            memory.orElse(null),
            reader.file(),
            NodeReader.line(item)));
  }

  private static Optional<String> required(
      Map<String, NodeTuple> entries, String key, String path, Node item, NodeReader reader) {
    NodeTuple tuple = entries.get(key);
    Optional<String> value = reader.scalar(entries, key, path);
    if (value.isPresent() && !value.get().isBlank()) {
      return value;
    }
    if (tuple == null) {
      reader.problem(item, NodeReader.join(path, key), "is required");
    } else if (value.isPresent() || NodeReader.isNull(tuple.getValueNode())) {
      reader.problem(tuple.getValueNode(), NodeReader.join(path, key), "must not be empty");
    }
    return Optional.empty();
  }

  private static <T> Optional<T> optional(
      Map<String, NodeTuple> entries,
      String key,
      String path,
      NodeReader reader,
      Function<String, T> parser) {
    return reader
        .scalar(entries, key, path)
        .flatMap(text -> convert(text, key, path, entries, reader, parser));
  }

  private static <T> Optional<T> convert(
      String text,
      String key,
      String path,
      Map<String, NodeTuple> entries,
      NodeReader reader,
      Function<String, T> parser) {
    try {
      return Optional.of(parser.apply(text));
    } catch (IllegalArgumentException e) {
      reader.problem(entries.get(key).getValueNode(), NodeReader.join(path, key), e.getMessage());
      return Optional.empty();
    }
  }

  /** Splits {@code table} or {@code schema.table} into schema and table. */
  static String[] splitName(String name) {
    String s = name.strip();
    int dot = s.indexOf('.');
    String schema = dot < 0 ? "public" : s.substring(0, dot);
    String table = dot < 0 ? s : s.substring(dot + 1);
    if (schema.isBlank() || table.isBlank() || table.indexOf('.') >= 0) {
      throw new IllegalArgumentException(
          "\"" + name + "\" is not a valid stream table name (use table or schema.table)");
    }
    return new String[] {schema, table};
  }
}
