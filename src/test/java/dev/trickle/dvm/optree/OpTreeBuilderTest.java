package dev.trickle.dvm.optree;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trickle.dvm.Column;
import dev.trickle.dvm.OpTreeSqlBuilder;
import dev.trickle.dvm.ProbeResult;
import dev.trickle.dvm.SourceTable;
import dev.trickle.model.TableRef;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

final class OpTreeBuilderTest {
  private static final SourceTable A =
      new SourceTable(
          new TableRef("public", "a"),
          List.of(new Column("id", "integer"), new Column("x", "integer")),
          List.of(new Column("id", "integer")),
          'f',
          10,
          true);
  private static final SourceTable B =
      new SourceTable(
          new TableRef("public", "b"),
          List.of(
              new Column("id", "integer"), new Column("aid", "integer"), new Column("y", "text")),
          List.of(),
          'f',
          10,
          true);

  private static OpTreeBuilder.Outcome build(String canonical, int columns, String... features) {
    List<Column> out = Collections.nCopies(columns, new Column("c", "integer"));
    ProbeResult probe =
        new ProbeResult(
            out,
            List.of(A, B),
            List.of(),
            List.of(),
            List.of(features),
            canonical,
            List.of("count", "sum", "string_agg", "max"));
    return OpTreeBuilder.build(probe, 64);
  }

  @Test
  void leftJoinUnderAnAggregate_isATreeWithJoinKeys() {
    OpTreeBuilder.Outcome o =
        build(
            "SELECT a.x, count(b.id) AS n, string_agg(b.y, ','::text ORDER BY b.y) AS ys FROM (a"
                + " LEFT JOIN b ON ((b.aid = a.id))) GROUP BY a.x",
            3,
            "aggregate",
            "GROUP BY",
            "join");

    assertThat(o.reason()).isNull();
    assertThat(o.tree().describe()).isEqualTo("aggregate(left join(scan public.a, scan public.b))");
    JoinOp join = (JoinOp) o.tree().children().get(0).op();
    assertThat(join.leftKeys()).containsExactly("x.c0");
    assertThat(join.rightKeys()).containsExactly("x.c1");
    AggregateOp agg = (AggregateOp) o.tree().op();
    assertThat(agg.groupKeys()).containsExactly("x.c1");
    assertThat(agg.outputs())
        .containsExactly("x.c1", "count(x.c2)", "string_agg(x.c4, ','::text ORDER BY x.c4)");
    assertThat(o.sources()).extracting(SourceTable::table).containsExactly(A.table(), B.table());
  }

  @Test
  void setOperationsAndFilters_areOperators() {
    OpTreeBuilder.Outcome o =
        build(
            "( SELECT a.x FROM a WHERE (a.x > 1) UNION SELECT b.aid AS x FROM b) EXCEPT ALL"
                + " SELECT 1 AS x FROM a",
            1,
            "set operation (UNION/INTERSECT/EXCEPT)",
            "subquery in FROM");

    assertThat(o.reason()).isNull();
    assertThat(o.tree().describe())
        .isEqualTo(
            "except all(union(project(filter(scan public.a)), project(scan public.b)),"
                + " project(scan public.a))");
    assertThat(o.tree().linear()).isFalse();
    assertThat(o.tree().monotone()).isFalse();
  }

  @Test
  void usingJoin_joinsOnTheNamedColumn() {
    OpTreeBuilder.Outcome o = build("SELECT a.x, b.y FROM (a JOIN b USING (id))", 2, "join");

    JoinOp join = (JoinOp) o.tree().children().get(0).op();
    assertThat(join.kind()).isEqualTo(JoinOp.Kind.INNER);
    assertThat(join.condition()).isEqualTo("l.c0 = r.c0");
    assertThat(o.tree().linear()).isTrue();
  }

  @Test
  void unsupportedConstructs_areNamed() {
    assertThat(build("SELECT a.x FROM a LIMIT 3", 1, "LIMIT").reason()).isEqualTo("uses LIMIT");
    assertThat(build("SELECT a.x FROM a ORDER BY a.x LIMIT 3", 1).reason())
        .isEqualTo("uses LIMIT, OFFSET or FETCH");
    assertThat(build("SELECT DISTINCT ON (a.x) a.x FROM a", 1, "DISTINCT").reason())
        .isEqualTo("uses DISTINCT ON");
    assertThat(build("SELECT a.nope FROM a", 1).reason())
        .isEqualTo("refers to a.nope, which does not exist");
  }

  @Test
  void nestingBeyondTheLimit_isRefusedBeforeParsing() {
    String deep = "SELECT " + "(".repeat(70) + "a.x" + ")".repeat(70) + " AS x FROM a";

    assertThat(build(deep, 1).reason())
        .isEqualTo("nests 70 levels of parentheses, more than pg_trickle.max_parse_depth (64)");
    assertThat(OpTreeBuilder.nesting("SELECT '((((' FROM (a)")).isEqualTo(1);
  }

  @Test
  void deltaStatementBeyondTheCteCap_isRefused() {
    OpTreeBuilder.Outcome o =
        build("SELECT a.x FROM (a JOIN b ON ((b.aid = a.id))) WHERE (a.x > 0)", 1, "join");

    assertThatThrownBy(
            () ->
                OpTreeSqlBuilder.build(
                    1,
                    new TableRef("public", "st"),
                    "q",
                    List.of(new Column("x", "integer")),
                    o.tree(),
                    o.sources(),
                    3))
        .isInstanceOf(TooComplexException.class)
        .hasMessage(
            "its delta needs more than 3 common table expressions (pg_trickle.max_diff_ctes)");
  }

  @Test
  void likeOperators_areSpelledAsKeywords_outsideLiterals() {
    assertThat(
            OpTreeBuilder.spellLikeOperators(
                "SELECT a.y FROM a WHERE ((a.y)::text ~~ '%~~%'::text) AND a.y !~~* 'x' AND"
                    + " a.y !~~ \"~~\" AND a.y ~~* 'z'"))
        .isEqualTo(
            "SELECT a.y FROM a WHERE ((a.y)::text LIKE '%~~%'::text) AND a.y NOT ILIKE 'x' AND"
                + " a.y NOT LIKE \"~~\" AND a.y ILIKE 'z'");
  }

  @Test
  void outerJoinWithoutEquality_isRecomputedWhole() {
    OpTreeBuilder.Outcome o =
        build("SELECT a.x FROM (a LEFT JOIN b ON ((b.aid > a.id)))", 1, "join");

    assertThat(o.reason()).isNull();
    assertThat(o.tree().describe())
        .isEqualTo(
            "project(left join (no equality: recomputed whole)(scan public.a, scan public.b))");
    assertThat(o.tree().costWarnings())
        .containsExactly(
            "has a LEFT JOIN without an equality between its two sides: each refresh recomputes"
                + " that whole join");
  }
}
