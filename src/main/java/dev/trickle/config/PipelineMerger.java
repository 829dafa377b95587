package dev.trickle.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges the files of a directory into one pipeline: one database and CDC source (files may repeat
 * them, but must agree), settings key by key, and stream tables whose names must be unique.
 */
final class PipelineMerger {

  private final Problems problems;
  private Located<DatabaseUrl> database;
  private boolean databaseDeclared;
  private Located<CdcConfig> cdc;
  private final Map<Setting<?>, Located<Object>> settings = new LinkedHashMap<>();
  private final Map<String, StreamTableSpec> tables = new LinkedHashMap<>();
  private final List<StreamTableSpec> ordered = new ArrayList<>();

  PipelineMerger(Problems problems) {
    this.problems = problems;
  }

  void add(ParsedFile file) {
    databaseDeclared |= file.databaseDeclared();
    Located<DatabaseUrl> db = file.database();
    if (db != null) {
      if (database == null) {
        database = db;
      } else if (!database.value().equals(db.value())) {
        problems.add(
            db.file(),
            db.line(),
            "database.url",
            "differs from the one at " + database.where() + " (all files share one database)");
      }
    }
    Located<CdcConfig> c = file.cdc();
    if (c != null) {
      if (cdc == null) {
        cdc = c;
      } else if (!cdc.value().equals(c.value())) {
        problems.add(
            c.file(),
            c.line(),
            "cdc",
            "differs from the one at " + cdc.where() + " (" + cdc.value() + ")");
      }
    }
    file.settings().forEach(this::addSetting);
    file.streamTables().forEach(this::addTable);
  }

  private void addSetting(Setting<?> setting, Located<Object> value) {
    Located<Object> first = settings.putIfAbsent(setting, value);
    if (first != null && !first.value().equals(value.value())) {
      problems.add(
          value.file(),
          value.line(),
          setting.yamlPath(),
          "conflicts with " + setting.format(first.value()) + " at " + first.where());
    }
  }

  private void addTable(StreamTableSpec spec) {
    StreamTableSpec first = tables.putIfAbsent(spec.qualifiedName(), spec);
    if (first != null) {
      problems.add(
          spec.file(),
          spec.line(),
          "stream_tables",
          "duplicate stream table \""
              + spec.qualifiedName()
              + "\" (first defined at "
              + first.file()
              + ":"
              + first.line()
              + ")");
    } else {
      ordered.add(spec);
    }
  }

  /** Returns the merged parts; reports a missing database. Call {@link Problems} after this. */
  Merged finish(Path firstFile) {
    if (database == null && !databaseDeclared) {
      problems.add(firstFile, 0, "database.url", "is required");
    }
    Map<Setting<?>, Object> values = new HashMap<>();
    settings.forEach((s, v) -> values.put(s, v.value()));
    return new Merged(
        database == null ? null : database.value(),
        cdc == null ? CdcConfig.defaults() : cdc.value(),
        Settings.of(new SettingValues(values)),
        ordered);
  }

  /** The merged parts; {@code database} is null when missing or invalid. */
  record Merged(
      DatabaseUrl database, CdcConfig cdc, Settings settings, List<StreamTableSpec> tables) {}
}
