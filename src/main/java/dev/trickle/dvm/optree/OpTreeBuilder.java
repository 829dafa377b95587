package dev.trickle.dvm.optree;

import dev.trickle.dvm.Column;
import dev.trickle.dvm.ProbeResult;
import dev.trickle.dvm.SourceTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.sf.jsqlparser.JSQLParserException;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.ExpressionVisitorAdapter;
import net.sf.jsqlparser.expression.Function;
import net.sf.jsqlparser.expression.LongValue;
import net.sf.jsqlparser.expression.operators.conditional.AndExpression;
import net.sf.jsqlparser.expression.operators.relational.EqualsTo;
import net.sf.jsqlparser.expression.operators.relational.ParenthesedExpressionList;
import net.sf.jsqlparser.parser.CCJSqlParserUtil;
import net.sf.jsqlparser.schema.Table;
import net.sf.jsqlparser.statement.Statement;
import net.sf.jsqlparser.statement.select.AllColumns;
import net.sf.jsqlparser.statement.select.AllTableColumns;
import net.sf.jsqlparser.statement.select.ExceptOp;
import net.sf.jsqlparser.statement.select.FromItem;
import net.sf.jsqlparser.statement.select.IntersectOp;
import net.sf.jsqlparser.statement.select.Join;
import net.sf.jsqlparser.statement.select.MinusOp;
import net.sf.jsqlparser.statement.select.ParenthesedFromItem;
import net.sf.jsqlparser.statement.select.ParenthesedSelect;
import net.sf.jsqlparser.statement.select.PlainSelect;
import net.sf.jsqlparser.statement.select.Select;
import net.sf.jsqlparser.statement.select.SelectItem;
import net.sf.jsqlparser.statement.select.SetOperation;
import net.sf.jsqlparser.statement.select.SetOperationList;
import net.sf.jsqlparser.statement.select.UnionOp;

/**
 * Builds the operator tree of a defining query from the server's canonical text of it ({@code
 * pg_get_viewdef}: every column qualified, {@code *} expanded, NATURAL joins spelled as USING),
 * parsed with JSqlParser. Column references are resolved against the FROM clause and rewritten to
 * the positional columns {@code c0..} of each operator's input. Pure.
 */
public final class OpTreeBuilder {
  private static final Set<String> DIFFERENTIABLE_FEATURES =
      Set.of(
          "aggregate",
          "GROUP BY",
          "DISTINCT",
          "set operation (UNION/INTERSECT/EXCEPT)",
          "subquery in FROM",
          "join");

  private final ProbeResult probe;
  private final int maxDepth;
  private final List<SourceTable> deltaSources = new ArrayList<>();

  private OpTreeBuilder(ProbeResult probe, int maxDepth) {
    this.probe = probe;
    this.maxDepth = maxDepth;
  }

  /**
   * The outcome: a tree and the source tables in delta-index order, or the reason there is none.
   *
   * @param tree the operator tree, or null
   * @param sources the distinct source tables; the i-th one's changes go to delta table i
   * @param reason why the query cannot be differentiated (phrased to follow "the query"), or null
   * @param parsed the query as the parser read it, printed back as SQL (null with a reason); the
   *     planner has the server read it again and compares, so that a misreading parser cannot
   *     silently change what a stream table means
   */
  public record Outcome(OpTree tree, List<SourceTable> sources, String reason, String parsed) {
    /** Copies the list. */
    public Outcome {
      sources = sources == null ? List.of() : List.copyOf(sources);
    }
  }

  /**
   * Builds the operator tree of a probed query.
   *
   * @param probe what the server says about the query, with its canonical text
   * @param maxParseDepth the deepest nesting accepted ({@code pg_trickle.max_parse_depth})
   * @return the tree or the reason
   */
  public static Outcome build(ProbeResult probe, int maxParseDepth) {
    List<String> blocked = new ArrayList<>();
    for (String f : probe.features()) {
      if (!DIFFERENTIABLE_FEATURES.contains(f)) {
        blocked.add(f);
      }
    }
    if (!blocked.isEmpty()) {
      return fail("uses " + String.join(", ", blocked));
    }
    String text = probe.canonical();
    if (text.isBlank()) {
      return fail("has no canonical text to analyse");
    }
    int nesting = nesting(text);
    if (nesting > maxParseDepth) {
      return fail(
          "nests "
              + nesting
              + " levels of parentheses, more than pg_trickle.max_parse_depth ("
              + maxParseDepth
              + ")");
    }
    Statement statement;
    try {
      statement = CCJSqlParserUtil.parse(spellLikeOperators(text));
    } catch (JSQLParserException e) {
      return fail("is SQL the delta engine's parser does not understand");
    }
    if (!(statement instanceof Select select)) {
      return fail("is not a SELECT");
    }
    OpTreeBuilder b = new OpTreeBuilder(probe, maxParseDepth);
    try {
      OpTree tree = b.query(select, 1);
      if (tree.width() != probe.columns().size()) {
        return fail("has a select list the delta engine could not line up with its columns");
      }
      return new Outcome(tree, b.deltaSources, null, statement.toString());
    } catch (NotDifferentiable e) {
      return fail(e.getMessage());
    }
  }

  private static Outcome fail(String reason) {
    return new Outcome(null, null, reason, null);
  }

  /**
   * The canonical text with PostgreSQL's LIKE operators ({@code ~~}, {@code ~~*} and their
   * negations, as {@code pg_get_viewdef} prints LIKE and ILIKE) spelled as keywords, which
   * JSqlParser reads correctly (it takes {@code a ~~ b} for {@code a ~ (~b)}). String literals and
   * quoted identifiers are left alone.
   */
  static String spellLikeOperators(String text) {
    StringBuilder out = new StringBuilder(text.length());
    char quote = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote != 0) {
        out.append(c);
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        out.append(c);
      } else if (text.startsWith("!~~*", i)) {
        out.append("NOT ILIKE");
        i += 3;
      } else if (text.startsWith("~~*", i)) {
        out.append("ILIKE");
        i += 2;
      } else if (text.startsWith("!~~", i)) {
        out.append("NOT LIKE");
        i += 2;
      } else if (text.startsWith("~~", i)) {
        out.append("LIKE");
        i += 1;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }

  /** The deepest nesting of parentheses outside string literals. */
  static int nesting(String text) {
    int depth = 0;
    int max = 0;
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\'') {
        quoted = !quoted;
      } else if (!quoted && c == '(') {
        max = Math.max(max, ++depth);
      } else if (!quoted && c == ')') {
        depth--;
      }
    }
    return max;
  }

  /** A FROM clause built so far: its tree and the names it makes visible. */
  private record Block(OpTree tree, Scope scope) {}

  private void checkDepth(int depth) {
    if (depth > maxDepth) {
      throw new NotDifferentiable(
          "nests more than pg_trickle.max_parse_depth (" + maxDepth + ") levels of operators");
    }
  }

  private OpTree query(Select select, int depth) {
    checkDepth(depth);
    if (select.getLimit() != null || select.getOffset() != null || select.getFetch() != null) {
      throw new NotDifferentiable("uses LIMIT, OFFSET or FETCH");
    }
    if (select.getWithItemsList() != null && !select.getWithItemsList().isEmpty()) {
      throw new NotDifferentiable("uses WITH (common table expression)");
    }
    if (select instanceof ParenthesedSelect p) {
      return query(p.getSelect(), depth + 1);
    }
    if (select instanceof PlainSelect p) {
      return plain(p, depth);
    }
    if (select instanceof SetOperationList list) {
      return setOperations(list, depth);
    }
    throw new NotDifferentiable("uses " + select.getClass().getSimpleName());
  }

  private OpTree setOperations(SetOperationList list, int depth) {
    OpTree acc = query(list.getSelects().get(0), depth + 1);
    for (int i = 1; i < list.getSelects().size(); i++) {
      OpTree right = query(list.getSelects().get(i), depth + 1);
      if (right.width() != acc.width()) {
        throw new NotDifferentiable("has set operation inputs of different widths");
      }
      SetOperation op = list.getOperations().get(i - 1);
      DeltaOperator d;
      if (op instanceof UnionOp u) {
        d = u.isAll() ? new UnionAllOp() : new SetOp(SetOp.Kind.UNION, false, acc.width());
      } else if (op instanceof IntersectOp x) {
        d = new SetOp(SetOp.Kind.INTERSECT, x.isAll(), acc.width());
      } else if (op instanceof ExceptOp x) {
        d = new SetOp(SetOp.Kind.EXCEPT, x.isAll(), acc.width());
      } else if (op instanceof MinusOp x) {
        d = new SetOp(SetOp.Kind.EXCEPT, x.isAll(), acc.width());
      } else {
        throw new NotDifferentiable("uses set operation " + op);
      }
      acc = new OpTree(d, List.of(acc, right), acc.names());
    }
    return acc;
  }

  private OpTree plain(PlainSelect select, int depth) {
    if (select.getDistinct() != null && select.getDistinct().getOnSelectItems() != null) {
      throw new NotDifferentiable("uses DISTINCT ON");
    }
    if (select.getFromItem() == null) {
      throw new NotDifferentiable("has no FROM clause");
    }
    if (select.getGroupBy() != null
        && select.getGroupBy().getGroupingSets() != null
        && !select.getGroupBy().getGroupingSets().isEmpty()) {
      throw new NotDifferentiable("uses grouping sets");
    }
    Block from = from(select.getFromItem(), select.getJoins(), depth + 1);
    OpTree tree = from.tree();
    if (select.getWhere() != null) {
      String where = single(select.getWhere(), from.scope(), 0);
      tree = new OpTree(new FilterOp(where), List.of(tree), tree.names());
    }
    List<Expression> items = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (SelectItem<?> item : select.getSelectItems()) {
      Expression e = item.getExpression();
      if (e instanceof AllTableColumns || e instanceof AllColumns) {
        throw new NotDifferentiable("selects * (the server's canonical text should expand it)");
      }
      items.add(e);
      names.add(
          item.getAlias() != null
              ? unquote(item.getAlias().getName())
              : e instanceof net.sf.jsqlparser.schema.Column c
                  ? unquote(c.getColumnName())
                  : e instanceof Function f ? unquote(f.getName()) : "?column?");
    }
    List<String> outputs = new ArrayList<>();
    for (Expression e : items) {
      outputs.add(single(e, from.scope(), 0));
    }
    boolean grouped =
        select.getGroupBy() != null || select.getHaving() != null || callsAggregate(items);
    if (grouped) {
      List<String> keys = new ArrayList<>();
      if (select.getGroupBy() != null) {
        for (Object o : select.getGroupBy().getGroupByExpressionList()) {
          Expression e = (Expression) o;
          if (e instanceof LongValue position) {
            int p = (int) position.getValue();
            if (p < 1 || p > outputs.size()) {
              throw new NotDifferentiable("groups by position " + p + " of its select list");
            }
            keys.add(outputs.get(p - 1));
          } else {
            keys.add(single(e, from.scope(), 0));
          }
        }
      }
      String having =
          select.getHaving() == null ? null : single(select.getHaving(), from.scope(), 0);
      tree = new OpTree(new AggregateOp(keys, outputs, having), List.of(tree), names);
    } else {
      tree = new OpTree(new ProjectOp(outputs), List.of(tree), names);
    }
    if (select.getDistinct() != null) {
      tree = new OpTree(new DistinctOp(names.size()), List.of(tree), names);
    }
    return tree;
  }

  private boolean callsAggregate(List<Expression> items) {
    boolean[] found = {false};
    ExpressionVisitorAdapter<Void> v =
        new ExpressionVisitorAdapter<>() {
          @Override
          public <S> Void visit(Function f, S context) {
            if (probe.aggregates().contains(lastPart(f.getName()))) {
              found[0] = true;
            }
            return super.visit(f, context);
          }

          @Override
          public <S> Void visit(AnalyticExpression a, S context) {
            found[0] = true;
            return super.visit(a, context);
          }
        };
    for (Expression e : items) {
      e.accept(v, null);
    }
    return found[0];
  }

  private static String lastPart(String name) {
    String n = name.contains(".") ? name.substring(name.lastIndexOf('.') + 1) : name;
    return unquote(n);
  }

  private Block from(FromItem first, List<Join> joins, int depth) {
    checkDepth(depth);
    Block acc = fromItem(first, depth);
    if (joins != null) {
      for (Join j : joins) {
        acc = join(acc, fromItem(j.getRightItem(), depth + 1), j);
      }
    }
    return acc;
  }

  private Block fromItem(FromItem item, int depth) {
    checkDepth(depth);
    if (item instanceof Table t) {
      SourceTable source = source(t);
      int index = deltaSources.indexOf(source);
      if (index < 0) {
        deltaSources.add(source);
        index = deltaSources.size() - 1;
      }
      List<String> cols = source.columns().stream().map(Column::name).toList();
      String alias = t.getAlias() != null ? unquote(t.getAlias().getName()) : unquote(t.getName());
      return new Block(
          new OpTree(new ScanOp(source.table(), cols, index), List.of(), cols),
          Scope.of(alias, cols));
    }
    if (item instanceof ParenthesedSelect sub) {
      OpTree tree = query(sub.getSelect(), depth + 1);
      List<String> names = tree.names();
      String alias = null;
      if (sub.getAlias() != null) {
        alias = unquote(sub.getAlias().getName());
        if (sub.getAlias().getAliasColumns() != null
            && !sub.getAlias().getAliasColumns().isEmpty()) {
          names = new ArrayList<>(names);
          var aliasColumns = sub.getAlias().getAliasColumns();
          for (int i = 0; i < aliasColumns.size() && i < names.size(); i++) {
            names.set(i, unquote(aliasColumns.get(i).name));
          }
        }
      }
      OpTree named = new OpTree(tree.op(), tree.children(), names);
      return new Block(named, Scope.of(alias, names));
    }
    if (item instanceof ParenthesedFromItem nested) {
      if (nested.getAlias() != null) {
        throw new NotDifferentiable("gives a join an alias");
      }
      return from(nested.getFromItem(), nested.getJoins(), depth + 1);
    }
    throw new NotDifferentiable("reads " + item + ", which is not a table, subquery or join");
  }

  private SourceTable source(Table t) {
    String name = unquote(t.getName());
    String schema = t.getSchemaName() == null ? null : unquote(t.getSchemaName());
    SourceTable match = null;
    for (SourceTable s : probe.sources()) {
      if (s.table().name().equals(name) && (schema == null || s.table().schema().equals(schema))) {
        if (match != null) {
          throw new NotDifferentiable("reads two tables named " + name);
        }
        match = s;
      }
    }
    if (match == null) {
      throw new NotDifferentiable("reads " + t + ", which is not a plain table");
    }
    return match;
  }

  private Block join(Block left, Block right, Join j) {
    if (j.isApply() || j.isSemi() || j.isStraight() || j.isWindowJoin()) {
      throw new NotDifferentiable("uses a join type the delta engine does not know");
    }
    int lw = left.tree().width();
    int rw = right.tree().width();
    Scope scope = left.scope().concat(right.scope(), lw);
    JoinOp.Kind kind =
        j.isFull()
            ? JoinOp.Kind.FULL
            : j.isLeft()
                ? JoinOp.Kind.LEFT
                : j.isRight()
                    ? JoinOp.Kind.RIGHT
                    : j.isCross() || j.isSimple() ? JoinOp.Kind.CROSS : JoinOp.Kind.INNER;
    List<String> conditions = new ArrayList<>();
    List<String> leftKeys = new ArrayList<>();
    List<String> rightKeys = new ArrayList<>();
    List<String> using = new ArrayList<>();
    if (j.getUsingColumns() != null) {
      j.getUsingColumns().forEach(c -> using.add(unquote(c.getColumnName())));
    }
    if (j.isNatural()) {
      for (String n : left.scope().names()) {
        if (right.scope().names().contains(n) && !using.contains(n)) {
          using.add(n);
        }
      }
    }
    for (String n : using) {
      int lp = left.scope().resolve(null, n);
      int rp = right.scope().resolve(null, n);
      conditions.add("l.c" + lp + " = r.c" + rp);
      leftKeys.add("x.c" + lp);
      rightKeys.add("x.c" + rp);
    }
    if (j.getOnExpressions() != null) {
      for (Expression on : j.getOnExpressions()) {
        conditions.add(scope.rewrite(on, pos -> pos < lw ? "l.c" + pos : "r.c" + (pos - lw)));
        for (Expression conjunct : conjuncts(on)) {
          if (conjunct instanceof EqualsTo eq) {
            equiKey(
                eq.getLeftExpression(), eq.getRightExpression(), scope, lw, leftKeys, rightKeys);
          }
        }
      }
    }
    // an outer join without an equality between its sides has no keys to restrict a recompute
    // to: JoinOp then recomputes the whole join whenever an input changed
    if (kind == JoinOp.Kind.INNER && conditions.isEmpty()) {
      kind = JoinOp.Kind.CROSS;
    }
    String condition = conditions.isEmpty() ? null : String.join(" AND ", conditions);
    List<String> names = new ArrayList<>(left.tree().names());
    names.addAll(right.tree().names());
    OpTree tree =
        new OpTree(
            new JoinOp(kind, condition, lw, rw, leftKeys, rightKeys),
            List.of(left.tree(), right.tree()),
            names);
    return new Block(tree, scope);
  }

  /**
   * Adds a join key pair when one side of an equality reads only the left input, the other only the
   * right.
   */
  private void equiKey(
      Expression a,
      Expression b,
      Scope scope,
      int lw,
      List<String> leftKeys,
      List<String> rightKeys) {
    int[] ra = scope.span(a);
    int[] rb = scope.span(b);
    if (ra == null || rb == null) {
      return;
    }
    if (ra[1] < lw && rb[0] >= lw) {
      leftKeys.add(single(a, scope, 0));
      rightKeys.add(single(b, scope, lw));
    } else if (rb[1] < lw && ra[0] >= lw) {
      leftKeys.add(single(b, scope, 0));
      rightKeys.add(single(a, scope, lw));
    }
  }

  private static List<Expression> conjuncts(Expression e) {
    List<Expression> out = new ArrayList<>();
    Expression x = unwrap(e);
    if (x instanceof AndExpression and) {
      out.addAll(conjuncts(and.getLeftExpression()));
      out.addAll(conjuncts(and.getRightExpression()));
    } else {
      out.add(x);
    }
    return out;
  }

  private static Expression unwrap(Expression e) {
    Expression x = e;
    while (true) {
      if (x instanceof ParenthesedExpressionList<?> list && list.size() == 1) {
        x = (Expression) list.get(0);
      } else {
        return x;
      }
    }
  }

  /** An expression over the input as {@code x.c<position - shift>}. */
  private static String single(Expression e, Scope scope, int shift) {
    return scope.rewrite(e, pos -> "x.c" + (pos - shift));
  }

  private static String unquote(String ident) {
    return Scope.unquote(ident);
  }
}
