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

  private static Outcome notScan(String reason) {
    return new Outcome(null, reason);
  }

  private static String quote(String ident) {
    return TableRef.quoteIdent(ident);
  }
}
