package dev.trickle.dvm.optree;

import java.util.ArrayList;
import java.util.List;

/**
 * Random defining queries over the property tests' schema ({@code p(id pk, k, v, s)}, {@code q(id
 * pk, k, w)}, {@code r(k, v)} without a key), from a grammar of the operators the delta engine
 * differentiates: inner, outer, natural, USING and cross joins, subqueries in FROM, filters,
 * projections, DISTINCT, GROUP BY with every kind of aggregate, FILTER and HAVING, global
 * aggregates, and UNION / INTERSECT / EXCEPT with and without ALL. Choices are drawn from a list of
 * integers so that jqwik shrinks a failing query towards the simplest choices (index 0).
 */
final class QueryGrammar {
  /** A FROM clause and the integer expressions it offers. */
  private record From(String sql, List<String> ints) {}

  private static final List<From> FROMS =
      List.of(
          new From("p", List.of("p.k", "p.v", "p.id")),
          new From("r", List.of("r.k", "r.v")),
          new From("p JOIN q ON p.k = q.k", List.of("p.k", "p.v", "q.w")),
          new From("p LEFT JOIN q ON p.k = q.k", List.of("p.k", "p.v", "q.w", "q.id")),
          new From("p RIGHT JOIN r ON p.k = r.k", List.of("p.v", "r.k", "r.v")),
          new From("p FULL JOIN q ON p.k = q.k AND q.w > 1", List.of("p.k", "q.k", "p.v", "q.w")),
          new From(
              "q JOIN r ON q.k = r.k LEFT JOIN p ON p.v = r.v",
              List.of("q.w", "r.k", "p.k", "p.v")),
          new From(
              "(SELECT k, count(*) AS n FROM r GROUP BY k) sr JOIN p ON p.k = sr.k",
              List.of("sr.k", "sr.n", "p.v")),
          new From("p NATURAL JOIN q", List.of("k", "p.v", "q.w")),
          new From("p LEFT JOIN r USING (k)", List.of("k", "p.v", "r.v")),
          new From("p CROSS JOIN (SELECT DISTINCT k FROM r) d", List.of("p.v", "d.k")),
          new From("(SELECT k, v FROM r UNION ALL SELECT k, v FROM p) u", List.of("u.k", "u.v")),
          new From("r r1 JOIN r r2 ON r1.k = r2.v", List.of("r1.k", "r1.v", "r2.v")),
          new From("p FULL JOIN r ON p.k = r.k", List.of("p.v", "r.k", "r.v", "p.k")),
          new From("p JOIN q ON p.k < q.k", List.of("p.k", "q.k", "p.v")),
          new From(
              "p LEFT JOIN q ON p.k = q.k RIGHT JOIN r ON r.k = q.k",
              List.of("p.v", "q.w", "r.k", "r.v")),
          new From(
              "(SELECT k, count(*) FROM p GROUP BY k) AS t(a, b) JOIN r ON r.k = t.a",
              List.of("t.a", "t.b", "r.v")),
          new From(
              "r LEFT JOIN (SELECT DISTINCT k, w FROM q) d ON d.k = r.k AND d.w > r.v",
              List.of("r.k", "r.v", "d.w")),
          new From("q LEFT JOIN r ON q.w > r.v", List.of("q.k", "q.w", "r.v")));

  private static final List<String> AGGREGATES =
      List.of(
          "count(*)",
          "count(%s)",
          "sum(%s)",
          "min(%s)",
          "max(%s)",
          "avg(%s)",
          "count(DISTINCT %s)",
          "string_agg(%s::text, ',' ORDER BY %<s::text)",
          "bool_or(%s > 2)",
          "array_agg(%s ORDER BY %<s)",
          "sum(%s) FILTER (WHERE %<s > 1)",
          "max(%s) FILTER (WHERE %<s < 3)",
          "var_pop(%s)",
          "bool_and(%s IS NOT NULL)");

  private final List<Integer> choices;
  private int next;

  private QueryGrammar(List<Integer> choices) {
    this.choices = choices;
  }

  /**
   * A query from a list of choices (each choice picks among alternatives by remainder).
   *
   * @param choices non-negative integers; when exhausted, 0 is used
   * @return the query
   */
  static String query(List<Integer> choices) {
    return new QueryGrammar(choices).query();
  }

  private int pick(int n) {
    int c = next < choices.size() ? choices.get(next) : 0;
    next++;
    return c % n;
  }

  private <T> T pick(List<T> options) {
    return options.get(pick(options.size()));
  }

  private String query() {
    return switch (pick(6)) {
      case 0 -> projection();
      case 1 -> grouped();
      case 2 -> global();
      case 3 -> "SELECT DISTINCT count(*) AS n FROM " + groupedFrom();
      case 4 ->
          setOperation() + " " + pick(List.of("UNION", "EXCEPT", "INTERSECT ALL")) + " " + side();
      default -> setOperation();
    };
  }

  private String groupedFrom() {
    From f = pick(FROMS);
    return f.sql() + where(f) + " GROUP BY " + pick(f.ints());
  }

  private String side() {
    From f = pick(FROMS);
    return "SELECT " + expr(f) + " AS x FROM " + f.sql() + where(f);
  }

  private String where(From f) {
    return switch (pick(5)) {
      case 0 -> "";
      case 1 -> " WHERE " + pick(f.ints()) + " > 1";
      case 2 -> " WHERE " + pick(f.ints()) + " IS NOT NULL";
      case 3 -> " WHERE coalesce(" + pick(f.ints()) + ", 0) <> 2";
      default -> " WHERE " + pick(f.ints()) + " <= " + pick(f.ints());
    };
  }

  private String expr(From f) {
    return switch (pick(4)) {
      case 0, 1 -> pick(f.ints());
      case 2 -> pick(f.ints()) + " + " + pick(f.ints());
      default -> "coalesce(" + pick(f.ints()) + ", -1)";
    };
  }

  private String projection() {
    From f = pick(FROMS);
    String distinct = pick(3) == 0 ? "DISTINCT " : "";
    int n = 1 + pick(3);
    List<String> items = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      items.add(expr(f) + " AS e" + i);
    }
    return "SELECT " + distinct + String.join(", ", items) + " FROM " + f.sql() + where(f);
  }

  private List<String> aggregates(From f) {
    int n = 1 + pick(3);
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(String.format(java.util.Locale.ROOT, pick(AGGREGATES), pick(f.ints())) + " AS a" + i);
    }
    return out;
  }

  private String grouped() {
    From f = pick(FROMS);
    String key = pick(f.ints());
    List<String> aggs = aggregates(f);
    String having =
        switch (pick(3)) {
          case 0 -> "";
          case 1 -> " HAVING count(*) > 1";
          default -> " HAVING sum(" + pick(f.ints()) + ") IS NOT NULL";
        };
    return "SELECT "
        + key
        + " AS g, "
        + String.join(", ", aggs)
        + " FROM "
        + f.sql()
        + where(f)
        + " GROUP BY "
        + key
        + having;
  }

  private String global() {
    From f = pick(FROMS);
    return "SELECT " + String.join(", ", aggregates(f)) + " FROM " + f.sql() + where(f);
  }

  private String setOperation() {
    String op =
        pick(List.of("UNION", "UNION ALL", "INTERSECT", "INTERSECT ALL", "EXCEPT", "EXCEPT ALL"));
    From a = pick(FROMS);
    From b = pick(FROMS);
    return "SELECT "
        + expr(a)
        + " AS x FROM "
        + a.sql()
        + where(a)
        + " "
        + op
        + " SELECT "
        + expr(b)
        + " AS x FROM "
        + b.sql()
        + where(b);
  }
}
