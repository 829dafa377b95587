package dev.trickle.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * What one file declared, before files are merged. {@code database} and {@code cdc} are null when
 * the file does not declare them or they were invalid; {@code databaseDeclared} tells which.
 */
record ParsedFile(
    Path file,
    boolean databaseDeclared,
    Located<DatabaseUrl> database,
    Located<CdcConfig> cdc,
    Map<Setting<?>, Located<Object>> settings,
    List<StreamTableSpec> streamTables) {}
