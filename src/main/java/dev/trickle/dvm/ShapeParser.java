package dev.trickle.dvm;

import dev.trickle.model.TableRef;
import java.util.ArrayList;
import java.util.List;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.AllTableColumns;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.SelectItem;

/**
 * Decides whether a defining query is a scan/filter/project the spine can differentiate, and if so
 * takes it apart ({@link ScanShape}). Pure: the server's probe result says which constructs the
 * query uses and which table it reads; JSqlParser gives the select list and WHERE text.
 */
public final class ShapeParser {
  private ShapeParser() {}

  /**
   * The outcome: a shape, or the reason there is none.
   *
   * @param shape the shape, or null
   * @param reason why the query is not a scan/filter/project, or null
   */
  public record Outcome(ScanShape shape, String reason) {
    /** Whether the query can be differentiated. */
    public boolean isDifferentiable() {
      return shape != null;
    }
  }

  /**
   * Analyses a query.
   *
   * @param query the defining query
   * @param probe what the server says about it
   * @return the shape or the reason
   */
  public static Outcome analyse(String query, ProbeResult probe) {
    if (!probe.features().isEmpty()) {
      return notScan("uses " + String.join(", ", probe.features()));
    }
    if (probe.sources().size() != 1) {
      return notScan(
          "reads " + probe.sources().size() + " tables (joins come with the delta engine)");
    }
    SourceTable source = probe.sources().get(0);
    Statement statement;
    try {
      statement = CCJSqlParserUtil.parse(QueryProbe.stripTrailingSemicolons(query));
    } catch (JSQLParserException e) {
      return notScan("is SQL the delta engine's parser does not understand yet");
    }
    if (!(statement instanceof PlainSelect select)
        || (select.getJoins() != null && !select.getJoins().isEmpty())
        || !(select.getFromItem() instanceof Table table)
        || select.getWithItemsList() != null) {
      return notScan("is not a plain SELECT ... FROM one table [WHERE ...]");
    }
    String alias = table.getAlias() != null ? table.getAlias().getName() : table.getName();
    List<String> items = new ArrayList<>();
    for (SelectItem<?> item : select.getSelectItems()) {
      Expression e = item.getExpression();
      if (e instanceof AllTableColumns || e instanceof AllColumns) {
        for (Column c : source.columns()) {
          items.add(alias + "." + quote(c.name()));
        }
      } else {
        items.add(e.toString());
      }
    }
    if (items.size() != probe.columns().size()) {
      return notScan("has a select list the delta engine could not line up with its columns");
    }
    Expression where = select.getWhere();
    TableRef ref = source.table();
    return new Outcome(
        new ScanShape(
            ref, alias, items, where == null ? null : where.toString(), table.getAlias() != null),
        null);
  }

  /**
   * The outcome of {@link #analyseAggregate}: a shape, or the reason there is none.
   *
   * @param shape the shape, or null
   * @param reason why the query is not an algebraic single-table aggregate, or null
   */
  public record AggregateOutcome(AggregateShape shape, String reason) {}

  private static final java.util.Set<String> ALGEBRAIC_SUM_TYPES =
      java.util.Set.of("bigint", "numeric");

  /**
   * Analyses a query as an aggregate over one table: GROUP BY plain expressions (or none) and a
   * select list of group-by expressions and {@code count(*)}, {@code count(x)}, {@code sum(x)},
   * {@code avg(x)} of integers or numerics, with an optional WHERE.
   *
   * @param query the defining query
   * @param probe what the server says about it
   * @return the shape or the reason
   */
  public static AggregateOutcome analyseAggregate(String query, ProbeResult probe) {
    List<String> allowed = List.of("aggregate", "GROUP BY", "DISTINCT", "join");
    boolean grouping =
        probe.features().contains("aggregate")
            || probe.features().contains("GROUP BY")
            || probe.features().contains("DISTINCT");
    if (!allowed.containsAll(probe.features()) || !grouping) {
      return new AggregateOutcome(null, "is not an aggregate over one table");
    }
    Statement statement;
    try {
      statement = CCJSqlParserUtil.parse(QueryProbe.stripTrailingSemicolons(query));
    } catch (JSQLParserException e) {
      return new AggregateOutcome(null, "is SQL the delta engine's parser does not understand yet");
    }
    if (!(statement instanceof PlainSelect select)
        || select.getHaving() != null
        || (select.getDistinct() != null
            && (select.getDistinct().getOnSelectItems() != null || select.getGroupBy() != null))
        || select.getWithItemsList() != null) {
      return new AggregateOutcome(null, "is not SELECT ... FROM tables [WHERE] [GROUP BY]");
    }
    From from = from(select, probe);
    if (from.problem() != null) {
      return new AggregateOutcome(null, from.problem());
    }
    List<String> groupBy = new ArrayList<>();
    if (select.getGroupBy() != null) {
      for (Object e : select.getGroupBy().getGroupByExpressionList()) {
        groupBy.add(e.toString());
      }
    }
    if (select.getDistinct() != null) {
      // SELECT DISTINCT a, b ... is GROUP BY a, b: a row is visible while its count is positive
      for (SelectItem<?> item : select.getSelectItems()) {
        if (item.getExpression() instanceof AllColumns
            || item.getExpression() instanceof AllTableColumns) {
          return new AggregateOutcome(null, "uses DISTINCT with *");
        }
        groupBy.add(item.getExpression().toString());
      }
    }
    List<AggregateShape.Output> outputs = new ArrayList<>();
    List<SelectItem<?>> items = select.getSelectItems();
    if (items.size() != probe.columns().size()) {
      return new AggregateOutcome(null, "has a select list that does not line up with its columns");
    }
    for (int i = 0; i < items.size(); i++) {
      Expression e = items.get(i).getExpression();
      String type = probe.columns().get(i).type();
      AggregateShape.Output out = output(e, groupBy, type);
      if (out == null) {
        return new AggregateOutcome(
            null, "computes " + e + ", which is not yet maintained algebraically");
      }
      outputs.add(out);
    }
    Expression where = select.getWhere();
    JoinShape.Source first = from.sources().get(0);
    return new AggregateOutcome(
        new AggregateShape(
            first.table().table(),
            first.alias(),
            first.aliased(),
            groupBy,
            outputs,
            where == null ? null : where.toString(),
            from.sources(),
            from.on()),
        null);
  }

  private static AggregateShape.Output output(Expression e, List<String> groupBy, String type) {
    int g = groupBy.indexOf(e.toString());
    if (g >= 0) {
      return new AggregateShape.Output(AggregateShape.Kind.GROUP, g, null);
    }
    if (!(e instanceof net.sf.jsqlparser.expression.Function f)
        || f.isDistinct()
        || (f.isAllColumns() && !"count".equalsIgnoreCase(f.getName()))
        || f.getOrderByElements() != null) {
      return null;
    }
    String name = f.getName().toLowerCase(java.util.Locale.ROOT);
    if (name.equals("count") && (f.isAllColumns() || f.getParameters() == null)) {
      return new AggregateShape.Output(AggregateShape.Kind.COUNT_STAR, -1, null);
    }
    if (f.getParameters() == null || f.getParameters().size() != 1) {
      return null;
    }
    String arg = f.getParameters().get(0).toString();
    if (arg.equals("*")) {
      return name.equals("count")
          ? new AggregateShape.Output(AggregateShape.Kind.COUNT_STAR, -1, null)
          : null;
    }
    String base = type.replaceAll("\\(.*\\)", "");
    return switch (name) {
      case "count" -> new AggregateShape.Output(AggregateShape.Kind.COUNT, -1, arg);
      case "sum" ->
          ALGEBRAIC_SUM_TYPES.contains(base)
              ? new AggregateShape.Output(AggregateShape.Kind.SUM, -1, arg)
              : null;
      case "min" -> new AggregateShape.Output(AggregateShape.Kind.MIN, -1, arg);
      case "max" -> new AggregateShape.Output(AggregateShape.Kind.MAX, -1, arg);
      case "avg" ->
          base.equals("numeric")
              ? new AggregateShape.Output(AggregateShape.Kind.AVG, -1, arg)
              : null;
      default -> null;
    };
  }

  /** Most tables a differentiated join may read (the delta has 2^n - 1 terms). */
  static final int MAX_JOIN_TABLES = 4;

  /**
   * The outcome of {@link #analyseJoin}: a shape, or the reason there is none.
   *
   * @param shape the shape, or null
   * @param reason why the query is not a differentiable join, or null
   */
  public record JoinOutcome(JoinShape shape, String reason) {}

  /**
   * Analyses a query as inner or cross joins of tables with filter and projection.
   *
   * @param query the defining query
   * @param probe what the server says about it
   * @return the shape or the reason
   */
  public static JoinOutcome analyseJoin(String query, ProbeResult probe) {
    if (!List.of("join").containsAll(probe.features())) {
      return new JoinOutcome(null, "uses " + String.join(", ", probe.features()));
    }
    Statement statement;
    try {
      statement = CCJSqlParserUtil.parse(QueryProbe.stripTrailingSemicolons(query));
    } catch (JSQLParserException e) {
      return new JoinOutcome(null, "is SQL the delta engine's parser does not understand yet");
    }
    if (!(statement instanceof PlainSelect select)
        || !(select.getFromItem() instanceof Table)
        || select.getJoins() == null
        || select.getJoins().isEmpty()
        || select.getWithItemsList() != null) {
      return new JoinOutcome(null, "is not SELECT ... FROM t1 JOIN t2 ON ...");
    }
    From from = from(select, probe);
    if (from.problem() != null) {
      return new JoinOutcome(null, from.problem());
    }
    List<JoinShape.Source> sources = from.sources();
    List<String> on = from.on();
    List<String> items = new ArrayList<>();
    for (SelectItem<?> item : select.getSelectItems()) {
      Expression e = item.getExpression();
      if (e instanceof AllColumns || e instanceof AllTableColumns) {
        return new JoinOutcome(null, "selects * from a join");
      }
      items.add(e.toString());
    }
    if (items.size() != probe.columns().size()) {
      return new JoinOutcome(null, "has a select list that does not line up with its columns");
    }
    Expression where = select.getWhere();
    return new JoinOutcome(
        new JoinShape(sources, on, items, where == null ? null : where.toString()), null);
  }

  /** The tables and ON conditions of a FROM clause of inner/cross joins, or null. */
  private record From(List<JoinShape.Source> sources, List<String> on, String problem) {}

  private static From from(PlainSelect select, ProbeResult probe) {
    if (!(select.getFromItem() instanceof Table first)) {
      return new From(null, null, "does not read a table");
    }
    List<JoinShape.Source> sources = new ArrayList<>();
    List<String> on = new ArrayList<>();
    JoinShape.Source s0 = source(first, probe);
    if (s0 == null) {
      return new From(null, null, "reads a table the delta engine could not match");
    }
    sources.add(s0);
    if (select.getJoins() != null) {
      for (net.sf.jsqlparser.statement.select.Join j : select.getJoins()) {
        if (j.isNatural()
            || j.isLeft()
            || j.isRight()
            || j.isFull()
            || j.isOuter()
            || j.isApply()
            || j.isSemi()
            || (j.getUsingColumns() != null && !j.getUsingColumns().isEmpty())
            || !(j.getRightItem() instanceof Table right)) {
          return new From(null, null, "uses an outer, NATURAL, USING or LATERAL join");
        }
        JoinShape.Source s = source(right, probe);
        if (s == null) {
          return new From(null, null, "joins a table the delta engine could not match");
        }
        sources.add(s);
        var conditions = j.getOnExpressions();
        if (conditions == null || conditions.isEmpty()) {
          on.add(null);
        } else if (conditions.size() == 1) {
          on.add(conditions.iterator().next().toString());
        } else {
          return new From(null, null, "has a join with several ON clauses");
        }
      }
    }
    if (sources.size() > MAX_JOIN_TABLES) {
      return new From(null, null, "joins more than " + MAX_JOIN_TABLES + " tables");
    }
    if (sources.stream().map(JoinShape.Source::alias).distinct().count() != sources.size()) {
      return new From(null, null, "uses one name for two joined tables");
    }
    return new From(sources, on, null);
  }

  private static JoinShape.Source source(Table t, ProbeResult probe) {
    String name = unquote(t.getName());
    String schema = t.getSchemaName() == null ? null : unquote(t.getSchemaName());
    SourceTable match = null;
    for (SourceTable s : probe.sources()) {
      if (s.table().name().equals(name) && (schema == null || s.table().schema().equals(schema))) {
        if (match != null) {
          return null;
        }
        match = s;
      }
    }
    if (match == null) {
      return null;
    }
    String alias = t.getAlias() != null ? t.getAlias().getName() : t.getName();
    return new JoinShape.Source(match, alias, t.getAlias() != null);
  }

  private static String unquote(String ident) {
    if (ident.length() >= 2 && ident.startsWith("\"") && ident.endsWith("\"")) {
      return ident.substring(1, ident.length() - 1).replace("\"\"", "\"");
    }
    return ident.toLowerCase(java.util.Locale.ROOT);
  }

  private static Outcome notScan(String reason) {
    return new Outcome(null, reason);
  }

  private static String quote(String ident) {
    return TableRef.quoteIdent(ident);
  }
}
