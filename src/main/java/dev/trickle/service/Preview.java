package dev.trickle.service;

import dev.trickle.config.RefreshMode;
import dev.trickle.dvm.DvmLimits;
import dev.trickle.dvm.SourceTable;
import dev.trickle.dvm.optree.OpTreeBuilder;
import dev.trickle.model.Strategy;
import dev.trickle.model.TableRef;
import dev.trickle.model.UserError;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The preview of a defining query (seed QW-3): its source tables and the change data each needs,
 * the refresh strategy Trickle would plan, the query's complexity class, the size of its delta SQL
 * template and every warning. Computed by the same planner as creation, inside a transaction that
 * is rolled back: no side effects at all.
 *
 * @param sourceTables {name, cdc_mode} per source table
 * @param refreshStrategy DIFFERENTIAL or FULL
 * @param complexityClass what kind of operator tree the query is
 * @param deltaSqlTemplateBytes bytes of the generated delta SQL (0 when refreshed FULL)
 * @param warnings what the user should know
 */
public record Preview(
    List<Map<String, String>> sourceTables,
    String refreshStrategy,
    String complexityClass,
    long deltaSqlTemplateBytes,
    List<String> warnings) {

  /** The name the planner checks a previewed query under (never created). */
  static final TableRef PREVIEW_NAME = new TableRef("pg_temp", "__pgt_preview");

  /** The answer of {@code POST /api/v1/preview} and {@code pgtrickle.preview_stream_table()}. */
  public Map<String, Object> asMap() {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("source_tables", sourceTables);
    m.put("refresh_strategy", refreshStrategy);
    m.put("complexity_class", complexityClass);
    m.put("delta_sql_template_bytes", deltaSqlTemplateBytes);
    m.put("warnings", warnings);
    return m;
  }

  /**
   * Previews a query.
   *
   * @param conn an autocommit connection
   * @param query the defining query
   * @param setReplicaIdentityFull whether Trickle may set REPLICA IDENTITY FULL
   * @param cdcSource the change source the stream table would be maintained from
   * @param limits the delta engine's guards
   * @return the preview
   * @throws dev.trickle.model.UserError when the query is invalid
   * @throws SQLException on database failures
   */
  public static Preview of(
      Connection conn,
      String query,
      boolean setReplicaIdentityFull,
      String cdcSource,
      DvmLimits limits)
      throws SQLException {
    Plan plan;
    try {
      plan =
          StreamTablePlanner.plan(
              conn,
              PREVIEW_NAME,
              query,
              RefreshMode.AUTO,
              dev.trickle.config.ResourceBudget.DEFAULTS,
              Duration.ofSeconds(1),
              setReplicaIdentityFull,
              cdcSource,
              limits,
              false,
              List.of());
    } catch (UserError e) {
      throw new UserError(e.getMessage().replace("stream table " + PREVIEW_NAME + ": ", ""));
    }
    Strategy strategy = plan.sql().strategy();
    List<Map<String, String>> sources = new ArrayList<>();
    for (SourceTable s : plan.probe().sources()) {
      Map<String, String> source = new java.util.LinkedHashMap<>();
      source.put("name", s.table().toString());
      source.put("cdc_mode", cdcMode(strategy, s, plan));
      sources.add(source);
    }
    List<String> warnings = new ArrayList<>();
    for (String w : plan.warnings()) {
      warnings.add(w.replace("stream table " + PREVIEW_NAME + ": ", ""));
    }
    String complexity =
        strategy == Strategy.FULL_ONLY
            ? plan.probe().features().isEmpty()
                ? "full recompute"
                : "full recompute (" + String.join(", ", plan.probe().features()) + ")"
            : strategy == Strategy.OPTREE
                ? "operator tree: "
                    + OpTreeBuilder.build(plan.probe(), plan.limits().maxParseDepth())
                        .tree()
                        .describe()
                : strategy == Strategy.JOIN
                    ? "join: inner joins of "
                        + plan.probe().sources().size()
                        + " table(s) with filter and project"
                    : strategy == Strategy.AGGREGATE
                        ? "aggregate: COUNT/SUM/AVG/MIN/MAX or DISTINCT over "
                            + plan.probe().sources().size()
                            + " table(s)"
                        : "linear: scan, filter, project over one table";
    return new Preview(
        sources,
        strategy == Strategy.FULL_ONLY ? "FULL" : "DIFFERENTIAL",
        complexity,
        plan.sql().applyDelta() == null ? 0 : plan.sql().applyDelta().length(),
        warnings);
  }

  private static String cdcMode(Strategy strategy, SourceTable s, Plan plan) {
    return switch (strategy) {
      case KEYED ->
          "key (REPLICA IDENTITY " + (s.replicaIdentity() == 'f' ? "FULL" : "DEFAULT") + ")";
      case MULTISET, AGGREGATE, JOIN, OPTREE ->
          plan.needsReplicaIdentityFull().contains(s.table()) || s.replicaIdentity() == 'f'
              ? "full row images (REPLICA IDENTITY FULL)"
              : "full row images (REPLICA IDENTITY FULL needed)";
      case FULL_ONLY -> "change detection only";
    };
  }
}
