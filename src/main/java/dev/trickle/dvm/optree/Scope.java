package dev.trickle.dvm.optree;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.IntFunction;
import net.sf.jsqlparser.expression.AnalyticExpression;
import net.sf.jsqlparser.expression.Expression;
import net.sf.jsqlparser.expression.ExpressionVisitorAdapter;
import net.sf.jsqlparser.schema.Column;
import net.sf.jsqlparser.schema.Table;

/**
 * The names a FROM clause makes visible: each table's or subquery's alias with its column names, at
 * their positions in the clause's output. Resolves column references to positions and rewrites
 * expressions to read positional columns ({@code x.c3}).
 */
final class Scope {
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

  /**
   * One visible name.
   *
   * @param alias the table's or subquery's name, null for an unnamed subquery
   * @param names its column names
   * @param offset position of its first column in the FROM clause's output
   */
  private record Entry(String alias, List<String> names, int offset) {}

  private final List<Entry> entries;

  private Scope(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /** The scope of one table or subquery. */
  static Scope of(String alias, List<String> names) {
    return new Scope(List.of(new Entry(alias, List.copyOf(names), 0)));
  }

  /** This scope followed by another whose positions start at {@code shift}. */
  Scope concat(Scope right, int shift) {
    List<Entry> all = new ArrayList<>(entries);
    for (Entry e : right.entries) {
      all.add(new Entry(e.alias(), e.names(), e.offset() + shift));
    }
    return new Scope(all);
  }

  /** Every column name, in order (a name may repeat). */
  List<String> names() {
    List<String> out = new ArrayList<>();
    entries.forEach(e -> out.addAll(e.names()));
    return out;
  }

  /**
   * The position of a column.
   *
   * @param qualifier the table alias, or null
   * @param name the column name (unquoted)
   * @return its position
   * @throws NotDifferentiable when it is ambiguous or unknown
   */
  int resolve(String qualifier, String name) {
    if (qualifier != null) {
      for (Entry e : entries) {
        if (qualifier.equals(e.alias())) {
          int i = e.names().indexOf(name);
          if (i < 0) {
            throw new NotDifferentiable(
                "refers to " + qualifier + "." + name + ", which does not exist");
          }
          return e.offset() + i;
        }
      }
      throw new NotDifferentiable(
          "refers to " + qualifier + "." + name + ", which the delta engine could not resolve");
    }
    int found = -1;
    for (Entry e : entries) {
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

  /**
   * An expression's SQL with each column reference replaced; the expression itself is left as it
   * was.
   *
   * @param e the expression
   * @param target the replacement ({@code alias.column}) of the column at a position
   * @return the rewritten SQL
   */
  String rewrite(Expression e, IntFunction<String> target) {
    ColumnRewriter r = new ColumnRewriter(target);
    e.accept(r, null);
    try {
      return e.toString();
    } finally {
      r.restore();
    }
  }

  /** The lowest and highest position an expression reads, or null when it reads none. */
  int[] span(Expression e) {
    int[] span = {Integer.MAX_VALUE, -1};
    e.accept(
        new ColumnRewriter(
            pos -> {
              span[0] = Math.min(span[0], pos);
              span[1] = Math.max(span[1], pos);
              return null;
            }),
        null);
    return span[1] < 0 ? null : span;
  }

  /** An identifier as PostgreSQL folds it: quoted ones verbatim, others in lower case. */
  static String unquote(String ident) {
    if (ident.length() >= 2 && ident.startsWith("\"") && ident.endsWith("\"")) {
      return ident.substring(1, ident.length() - 1).replace("\"\"", "\"");
    }
    return ident.toLowerCase(Locale.ROOT);
  }

  /** Visits column references, resolves them and renames them in place until restored. */
  private final class ColumnRewriter extends ExpressionVisitorAdapter<Void> {
    private final IntFunction<String> target;
    private final IdentityHashMap<Column, Table> originalTables = new IdentityHashMap<>();
    private final IdentityHashMap<Column, String> originalNames = new IdentityHashMap<>();

    ColumnRewriter(IntFunction<String> target) {
      this.target = target;
    }

    @Override
    public <S> Void visit(Column column, S context) {
      if (originalNames.containsKey(column)) {
        return null;
      }
      Table t = column.getTable();
      int pos;
      if (t == null || t.getName() == null) {
        if (KEYWORDS.contains(column.getColumnName().toLowerCase(Locale.ROOT))) {
          return null;
        }
        pos = resolve(null, unquote(column.getColumnName()));
      } else {
        pos = resolve(unquote(t.getName()), unquote(column.getColumnName()));
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
}
