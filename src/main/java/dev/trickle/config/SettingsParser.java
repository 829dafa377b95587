package dev.trickle.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;

/** Parses the {@code settings} mapping of one file against the catalogue. */
final class SettingsParser {

  private SettingsParser() {}

  static Map<Setting<?>, Located<Object>> parse(Node node, NodeReader reader) {
    Map<Setting<?>, Located<Object>> values = new LinkedHashMap<>();
    Map<String, NodeTuple> categories = reader.mapping(node, "settings", Settings.CATEGORIES);
    categories.forEach(
        (category, tuple) -> {
          List<Setting<?>> definitions = Settings.category(category);
          List<String> keys =
              definitions.stream().map(Setting::key).collect(Collectors.toUnmodifiableList());
          Map<String, NodeTuple> entries =
              reader.mapping(tuple.getValueNode(), "settings." + category, keys);
          for (Setting<?> setting : definitions) {
            NodeTuple entry = entries.get(setting.key());
            if (entry != null) {
              parseOne(setting, entry.getValueNode(), reader)
                  .ifPresent(v -> values.put(setting, v));
            }
          }
        });
    return values;
  }

  private static Optional<Located<Object>> parseOne(
      Setting<?> setting, Node value, NodeReader reader) {
    Optional<String> text = reader.scalar(value, setting.yamlPath());
    if (text.isEmpty()) {
      if (NodeReader.isNull(value)) {
        reader.problem(value, setting.yamlPath(), "a value is required");
      }
      return Optional.empty();
    }
    try {
      Object parsed = setting.parse(text.get());
      return Optional.of(new Located<>(parsed, reader.file(), NodeReader.line(value)));
    } catch (IllegalArgumentException e) {
      reader.problem(value, setting.yamlPath(), e.getMessage());
      return Optional.empty();
    }
  }
}
