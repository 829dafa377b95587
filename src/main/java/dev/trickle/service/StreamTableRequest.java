package dev.trickle.service;

import dev.trickle.config.Durations;
import dev.trickle.config.Preset;
import dev.trickle.config.RefreshMode;
import dev.trickle.config.ResourceBudget;
import dev.trickle.model.TableRef;
import dev.trickle.model.UserError;
import java.time.Duration;
import java.util.Locale;

/**
 * A request to create a stream table at run time (HTTP API, CLI), validated like a YAML entry:
 * explicit parameters win over the preset, which wins over the defaults.
 *
 * @param name the stream table
 * @param query the defining query
 * @param schedule the schedule
 * @param mode the refresh mode
 * @param budget the preset and the explicit workers and memory
 */
public record StreamTableRequest(
    TableRef name, String query, Duration schedule, RefreshMode mode, ResourceBudget budget) {

  /**
   * Parses and validates request fields.
   *
   * @param name {@code table} or {@code schema.table}
   * @param query the defining query
   * @param schedule a duration, or null
   * @param refreshMode FULL, DIFFERENTIAL or AUTO, or null
   * @param preset real-time, batch or cost-optimized, or null
   * @param workers a whole number from 1 or {@code max}, or null
   * @param mergeWorkMemMb whole megabytes, or null
   * @param defaultSchedule schedule when neither the request nor a preset gives one
   * @return the request
   * @throws UserError naming the offending field
   */
  public static StreamTableRequest parse(
      String name,
      String query,
      String schedule,
      String refreshMode,
      String preset,
      String workers,
      String mergeWorkMemMb,
      Duration defaultSchedule) {
    TableRef ref = parseName(name);
    if (query == null || query.isBlank()) {
      throw new UserError("stream table " + ref + ": query is required");
    }
    Preset p = null;
    if (preset != null) {
      try {
        p = Preset.parse(preset);
      } catch (IllegalArgumentException e) {
        throw new UserError("stream table " + ref + ": preset: " + e.getMessage());
      }
    }
    Duration s;
    try {
      s = schedule != null ? Durations.parse(schedule) : p != null ? p.schedule() : defaultSchedule;
    } catch (IllegalArgumentException e) {
      throw new UserError("stream table " + ref + ": schedule: " + e.getMessage());
    }
    RefreshMode m;
    try {
      m =
          refreshMode != null
              ? RefreshMode.parse(refreshMode)
              : p != null ? p.refreshMode() : RefreshMode.AUTO;
    } catch (IllegalArgumentException e) {
      throw new UserError("stream table " + ref + ": refresh_mode: " + e.getMessage());
    }
    Integer w;
    try {
      w = workers == null ? null : ResourceBudget.parseWorkers(workers);
    } catch (IllegalArgumentException e) {
      throw new UserError("stream table " + ref + ": workers: " + e.getMessage());
    }
    Integer mem;
    try {
      mem = mergeWorkMemMb == null ? null : ResourceBudget.parseMegabytes(mergeWorkMemMb);
    } catch (IllegalArgumentException e) {
      throw new UserError("stream table " + ref + ": merge_work_mem_mb: " + e.getMessage());
    }
    return new StreamTableRequest(ref, query, s, m, new ResourceBudget(p, w, mem));
  }

  /**
   * Parses {@code table} (schema public) or {@code schema.table}.
   *
   * @param name the name
   * @return the table reference
   * @throws UserError when it is empty or has more than two parts
   */
  public static TableRef parseName(String name) {
    if (name == null || name.isBlank()) {
      throw new UserError("name is required");
    }
    String n = name.strip();
    int dot = n.indexOf('.');
    String schema = dot < 0 ? "public" : n.substring(0, dot);
    String table = dot < 0 ? n : n.substring(dot + 1);
    if (schema.isEmpty() || table.isEmpty() || table.indexOf('.') >= 0) {
      throw new UserError(
          String.format(Locale.ROOT, "name \"%s\" is not table or schema.table", name));
    }
    return new TableRef(schema, table);
  }
}
