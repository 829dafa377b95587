package dev.trickle.config;

import java.util.HashMap;
import java.util.Map;

/** Parsed setting values keyed by their definition; unset settings read as their default. */
final class SettingValues {

  private final Map<Setting<?>, Object> values;

  SettingValues(Map<Setting<?>, Object> values) {
    this.values = Map.copyOf(values);
  }

  static SettingValues empty() {
    return new SettingValues(Map.of());
  }

  <T> T get(Setting<T> setting) {
    Object value = values.get(setting);
    return value == null ? setting.defaultValue() : setting.type().cast(value);
  }

  /** Returns a copy with {@code changes} applied on top. */
  SettingValues with(Map<Setting<?>, Object> changes) {
    Map<Setting<?>, Object> merged = new HashMap<>(values);
    merged.putAll(changes);
    return new SettingValues(merged);
  }
}
