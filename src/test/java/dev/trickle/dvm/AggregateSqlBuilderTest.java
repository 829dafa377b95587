package dev.trickle.dvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.model.Strategy;
import dev.trickle.model.TableRef;
import java.util.List;
import org.junit.jupiter.api.Test;

final class AggregateSqlBuilderTest {
  private static final TableRef SALES = new TableRef("public", "sales");
  private static final SourceTable SOURCE =
      new SourceTable(
          SALES,
          List.of(
              new Column("id", "integer"),
              new Column("region", "text"),
              new Column("qty", "integer"),
              new Column("price", "numeric(10,2)")),
          List.of(new Column("id", "integer")),
          'f',
          100,
          true);

  private static ProbeResult probe(List<Column> out, String... features) {
    return new ProbeResult(out, List.of(SOURCE), List.of(), List.of(), List.of(features));
  }

  @Test
  void analyseAggregate_groupByWithCountSumAvg_isAlgebraic() {
    var outcome =
        ShapeParser.analyseAggregate(
            "SELECT region, count(*) AS n, count(qty) AS q, sum(qty) AS s, avg(price) AS a FROM"
                + " sales WHERE qty > 0 GROUP BY region",
            probe(
                List.of(
                    new Column("region", "text"),
                    new Column("n", "bigint"),
                    new Column("q", "bigint"),
                    new Column("s", "bigint"),
                    new Column("a", "numeric")),
                "aggregate",
                "GROUP BY"));
    assertThat(outcome.reason()).isNull();
    assertThat(outcome.shape().groupBy()).containsExactly("region");
    assertThat(outcome.shape().outputs())
        .extracting(AggregateShape.Output::kind)
        .containsExactly(
            AggregateShape.Kind.GROUP,
            AggregateShape.Kind.COUNT_STAR,
            AggregateShape.Kind.COUNT,
            AggregateShape.Kind.SUM,
            AggregateShape.Kind.AVG);
    assertThat(outcome.shape().where()).isEqualTo("qty > 0");
  }

  @Test
  void analyseAggregate_stringAggOrFloatSumOrHaving_isNotAlgebraic() {
    assertThat(
            ShapeParser.analyseAggregate(
                    "SELECT region, string_agg(region, ',') AS m FROM sales GROUP BY region",
                    probe(
                        List.of(new Column("region", "text"), new Column("m", "text")),
                        "aggregate",
                        "GROUP BY"))
                .reason())
        .contains("string_agg");
    assertThat(
            ShapeParser.analyseAggregate(
                    "SELECT sum(price::float8) AS s FROM sales",
                    probe(List.of(new Column("s", "double precision")), "aggregate"))
                .reason())
        .contains("sum");
    assertThat(
            ShapeParser.analyseAggregate(
                    "SELECT region, count(*) AS n FROM sales GROUP BY region HAVING count(*) > 1",
                    probe(
                        List.of(new Column("region", "text"), new Column("n", "bigint")),
                        "aggregate",
                        "GROUP BY"))
                .shape())
        .isNull();
  }

  @Test
  void build_groupedDeletesEmptyGroups_globalKeepsItsRow() {
    var grouped =
        ShapeParser.analyseAggregate(
                "SELECT region, count(*) AS n FROM sales GROUP BY region",
                probe(
                    List.of(new Column("region", "text"), new Column("n", "bigint")),
                    "aggregate",
                    "GROUP BY"))
            .shape();
    RefreshSql g =
        AggregateSqlBuilder.build(
            7,
            new TableRef("public", "st"),
            List.of(new Column("region", "text"), new Column("n", "bigint")),
            grouped,
            SOURCE);
    assertThat(g.strategy()).isEqualTo(Strategy.AGGREGATE);
    assertThat(g.applyDelta())
        .contains("WHEN MATCHED AND t.__pgt_count + s.__pgt_dc = 0 THEN DELETE")
        .contains("FROM pg_temp.__pgt_delta_7 AS sales")
        .contains("GROUP BY 1");
    assertThat(g.createStorage().get(0)).contains("__pgt_count bigint NOT NULL");

    var global =
        ShapeParser.analyseAggregate(
                "SELECT count(*) AS n, sum(price) AS s FROM sales",
                probe(List.of(new Column("n", "bigint"), new Column("s", "numeric")), "aggregate"))
            .shape();
    RefreshSql one =
        AggregateSqlBuilder.build(
            8,
            new TableRef("public", "st2"),
            List.of(new Column("n", "bigint"), new Column("s", "numeric")),
            global,
            SOURCE);
    assertThat(one.applyDelta()).doesNotContain("THEN DELETE").contains("md5(ROW()::text)");
    assertThat(one.createStorage().get(0))
        .contains("__pgt_n1 bigint NOT NULL, __pgt_s1 numeric NOT NULL");
  }
}
