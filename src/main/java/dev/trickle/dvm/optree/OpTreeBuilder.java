package dev.trickle.dvm.optree;

import dev.trickle.dvm.Column;
import dev.trickle.dvm.ProbeResult;
import dev.trickle.dvm.SourceTable;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntFunction;
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

  /** Names that parse as columns but are SQL value functions or literals. */
  private static final Set<String> KEYWORDS =
      Set.of(
          "true",
          "false",
          "null",
          "current_date",
          "current_time",
          "current_timestamp",
          "localtime",
          "localtimestamp",
          "current_user",
          "current_role",
          "session_user",
          "user",
          "current_schema",
          "current_catalog");

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

  /** Thrown while building: the query uses something the engine cannot differentiate. */
  private static final class NotDifferentiable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    NotDifferentiable(String reason) {
      super(reason, null, false, false);
    }
  }

  /** A FROM clause built so far: its tree and the names it makes visible. */
  private record Block(OpTree tree, List<Entry> scope) {}

  /**
   * One name visible in a FROM clause.
   *
   * @param alias the table's or subquery's name, null for an unnamed subquery
   * @param names its column names
   * @param offset position of its first column in the FROM clause's output
   */
  private record Entry(String alias, List<String> names, int offset) {}

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
      String where = rewrite(select.getWhere(), from.scope(), Side.SINGLE, 0);
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
      outputs.add(rewrite(e, from.scope(), Side.SINGLE, 0));
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
            keys.add(rewrite(e, from.scope(), Side.SINGLE, 0));
          }
        }
      }
      String having =
          select.getHaving() == null
              ? null
              : rewrite(select.getHaving(), from.scope(), Side.SINGLE, 0);
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
          List.of(new Entry(alias, cols, 0)));
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
      return new Block(named, List.of(new Entry(alias, names, 0)));
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
    List<Entry> scope = new ArrayList<>(left.scope());
    for (Entry e : right.scope()) {
      scope.add(new Entry(e.alias(), e.names(), e.offset() + lw));
    }
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
      for (Entry l : left.scope()) {
        for (String n : l.names()) {
          if (right.scope().stream().anyMatch(r -> r.names().contains(n)) && !using.contains(n)) {
            using.add(n);
          }
        }
      }
    }
    for (String n : using) {
      int lp = resolveUnqualified(left.scope(), n);
      int rp = resolveUnqualified(right.scope(), n);
      conditions.add("l.c" + lp + " = r.c" + rp);
      leftKeys.add("x.c" + lp);
      rightKeys.add("x.c" + rp);
    }
    if (j.getOnExpressions() != null) {
      for (Expression on : j.getOnExpressions()) {
        conditions.add(rewrite(on, scope, Side.JOIN, lw));
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
      List<Entry> scope,
      int lw,
      List<String> leftKeys,
      List<String> rightKeys) {
    int[] ra = span(a, scope);
    int[] rb = span(b, scope);
    if (ra == null || rb == null) {
      return;
    }
    if (ra[1] < lw && rb[0] >= lw) {
      leftKeys.add(rewrite(a, scope, Side.SINGLE, 0));
      rightKeys.add(rewrite(b, scope, Side.SINGLE, lw));
    } else if (rb[1] < lw && ra[0] >= lw) {
      leftKeys.add(rewrite(b, scope, Side.SINGLE, 0));
      rightKeys.add(rewrite(a, scope, Side.SINGLE, lw));
    }
  }

  /** The lowest and highest input position an expression reads, or null when it reads none. */
  private int[] span(Expression e, List<Entry> scope) {
    int[] span = {Integer.MAX_VALUE, -1};
    ColumnRewriter r =
        new ColumnRewriter(
            scope,
            pos -> {
              span[0] = Math.min(span[0], pos);
              span[1] = Math.max(span[1], pos);
              return null;
            });
    e.accept(r, null);
    return span[1] < 0 ? null : span;
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

  private static int resolveUnqualified(List<Entry> scope, String name) {
    int found = -1;
    for (Entry e : scope) {
      int i = e.names().indexOf(name);
      if (i >= 0) {
        if (found >= 0) {
          throw new NotDifferentiable("refers to column " + name + ", which is ambiguous");
        }
        found = e.offset() + i;
      }
    }
    if (found < 0) {
      throw new NotDifferentiable(
          "refers to column " + name + ", which the delta engine could not resolve");
    }
    return found;
  }

  /** How column references are rewritten. */
  private enum Side {
    /** {@code x.c<pos - shift>}. */
    SINGLE,
    /** {@code l.c<pos>} or {@code r.c<pos - leftWidth>}. */
    JOIN
  }

  /** Rewrites an expression's column references to input positions; restores the original tree. */
  private String rewrite(Expression e, List<Entry> scope, Side side, int shiftOrLeftWidth) {
    ColumnRewriter r =
        new ColumnRewriter(
            scope,
            pos ->
                side == Side.SINGLE
                    ? "x.c" + (pos - shiftOrLeftWidth)
                    : pos < shiftOrLeftWidth ? "l.c" + pos : "r.c" + (pos - shiftOrLeftWidth));
    e.accept(r, null);
    try {
      return e.toString();
    } finally {
      r.restore();
    }
  }

  /** Visits column references, resolves them against a scope and renames them in place. */
  private static final class ColumnRewriter extends ExpressionVisitorAdapter<Void> {
    private final List<Entry> scope;
    private final IntFunction<String> target;
    private final IdentityHashMap<net.sf.jsqlparser.schema.Column, Table> originalTables =
        new IdentityHashMap<>();
    private final IdentityHashMap<net.sf.jsqlparser.schema.Column, String> originalNames =
        new IdentityHashMap<>();

    ColumnRewriter(List<Entry> scope, IntFunction<String> target) {
      this.scope = scope;
      this.target = target;
    }

    @Override
    public <S> Void visit(net.sf.jsqlparser.schema.Column column, S context) {
      if (originalNames.containsKey(column)) {
        return null;
      }
      String name = unquote(column.getColumnName());
      Table t = column.getTable();
      int pos;
      if (t == null || t.getName() == null) {
        if (KEYWORDS.contains(column.getColumnName().toLowerCase(Locale.ROOT))) {
          return null;
        }
        pos = resolveUnqualified(scope, name);
      } else {
        pos = resolveQualified(scope, unquote(t.getName()), name);
      }
      String replacement = target.apply(pos);
      if (replacement != null) {
        originalTables.put(column, t);
        originalNames.put(column, column.getColumnName());
        int dot = replacement.indexOf('.');
        column.setTable(new Table(replacement.substring(0, dot)));
        column.setColumnName(replacement.substring(dot + 1));
      }
      return null;
    }

    @Override
    public <S> Void visit(AnalyticExpression a, S context) {
      super.visit(a, context);
      if (a.getFilterExpression() != null) {
        a.getFilterExpression().accept(this, context);
      }
      return null;
    }

    void restore() {
      for (var e : originalNames.entrySet()) {
        e.getKey().setTable(originalTables.get(e.getKey()));
        e.getKey().setColumnName(e.getValue());
      }
    }
  }

  private static int resolveQualified(List<Entry> scope, String alias, String name) {
    for (Entry e : scope) {
      if (alias.equals(e.alias())) {
        int i = e.names().indexOf(name);
        if (i < 0) {
          throw new NotDifferentiable("refers to " + alias + "." + name + ", which does not exist");
        }
        return e.offset() + i;
      }
    }
    throw new NotDifferentiable(
        "refers to " + alias + "." + name + ", which the delta engine could not resolve");
  }

  private static String unquote(String ident) {
    if (ident.length() >= 2 && ident.startsWith("\"") && ident.endsWith("\"")) {
      return ident.substring(1, ident.length() - 1).replace("\"\"", "\"");
    }
    return ident.toLowerCase(Locale.ROOT);
  }
}
