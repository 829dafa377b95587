package dev.trickle.dvm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.model.TableRef;
import java.util.List;
import org.junit.jupiter.api.Test;

final class ShapeParserTest {
  private static final TableRef ORDERS = new TableRef("public", "orders");
  private static final List<Column> ORDER_COLUMNS =
      List.of(
          new Column("id", "integer"),
          new Column("amount", "numeric(12,2)"),
          new Column("Note", "text"));
  private static final SourceTable ORDERS_SOURCE =
      new SourceTable(ORDERS, ORDER_COLUMNS, List.of(new Column("id", "integer")), 'd', 1000, true);

  private static ProbeResult probe(
      List<Column> output, List<SourceTable> sources, String... features) {
    return new ProbeResult(output, sources, List.of(), List.of(), List.of(features));
  }

  private static ProbeResult ordersProbe(Column... output) {
    return probe(List.of(output), List.of(ORDERS_SOURCE));
  }

  @Test
  void analyse_aliasedTable_usesAliasAndKeepsWhere() {
    ShapeParser.Outcome o =
        ShapeParser.analyse(
            "SELECT o.id, o.amount * 2 AS doubled FROM public.orders o WHERE o.amount > 10",
            ordersProbe(new Column("id", "integer"), new Column("doubled", "numeric")));

    assertThat(o.isDifferentiable()).isTrue();
    assertThat(o.reason()).isNull();
    ScanShape s = o.shape();
    assertThat(s.source()).isEqualTo(ORDERS);
    assertThat(s.alias()).isEqualTo("o");
    assertThat(s.items()).containsExactly("o.id", "o.amount * 2");
    assertThat(s.where()).isEqualTo("o.amount > 10");
  }

  @Test
  void analyse_asAlias_usesAlias() {
    ShapeParser.Outcome o =
        ShapeParser.analyse(
            "select x.id from orders as x", ordersProbe(new Column("id", "integer")));

    assertThat(o.shape().alias()).isEqualTo("x");
    assertThat(o.shape().items()).containsExactly("x.id");
    assertThat(o.shape().where()).isNull();
  }

  @Test
  void analyse_noAlias_usesBareTableName() {
    ShapeParser.Outcome o =
        ShapeParser.analyse(
            "SELECT id, amount FROM public.orders WHERE id <> 3;;  ",
            ordersProbe(new Column("id", "integer"), new Column("amount", "numeric(12,2)")));

    assertThat(o.isDifferentiable()).isTrue();
    assertThat(o.shape().alias()).isEqualTo("orders");
    assertThat(o.shape().items()).containsExactly("id", "amount");
    assertThat(o.shape().where()).isEqualTo("id <> 3");
    assertThat(o.shape().source()).isEqualTo(ORDERS);
  }

  @Test
  void analyse_star_expandsToQuotedSourceColumns() {
    ShapeParser.Outcome o =
        ShapeParser.analyse("SELECT * FROM orders", probe(ORDER_COLUMNS, List.of(ORDERS_SOURCE)));

    assertThat(o.shape().items())
        .containsExactly("orders.\"id\"", "orders.\"amount\"", "orders.\"Note\"");
  }

  @Test
  void analyse_tableStarWithExtraColumn_expandsInPlace() {
    List<Column> out =
        List.of(
            new Column("flag", "boolean"),
            new Column("id", "integer"),
            new Column("amount", "numeric(12,2)"),
            new Column("Note", "text"));

    ShapeParser.Outcome o =
        ShapeParser.analyse(
            "SELECT o.amount > 5 AS flag, o.* FROM orders o WHERE o.\"Note\" IS NOT NULL",
            probe(out, List.of(ORDERS_SOURCE)));

    assertThat(o.shape().items())
        .containsExactly("o.amount > 5", "o.\"id\"", "o.\"amount\"", "o.\"Note\"");
    assertThat(o.shape().where()).isEqualTo("o.\"Note\" IS NOT NULL");
  }

  @Test
  void analyse_featuresFromProbe_notDifferentiableNamingThem() {
    ShapeParser.Outcome o =
        ShapeParser.analyse(
            "SELECT amount, count(*) FROM orders GROUP BY amount",
            probe(
                List.of(new Column("amount", "numeric"), new Column("count", "bigint")),
                List.of(ORDERS_SOURCE),
                "aggregate",
                "GROUP BY"));

    assertThat(o.isDifferentiable()).isFalse();
    assertThat(o.shape()).isNull();
    assertThat(o.reason()).isEqualTo("uses aggregate, GROUP BY");
  }

  @Test
  void analyse_twoSources_reasonMentionsTables() {
    SourceTable items =
        new SourceTable(
            new TableRef("public", "items"),
            List.of(new Column("order_id", "integer")),
            List.of(),
            'f',
            -1,
            true);

    ShapeParser.Outcome o =
        ShapeParser.analyse(
            "SELECT o.id FROM orders o WHERE EXISTS (SELECT 1 FROM items)",
            probe(List.of(new Column("id", "integer")), List.of(ORDERS_SOURCE, items)));

    assertThat(o.isDifferentiable()).isFalse();
    assertThat(o.reason()).isEqualTo("reads 2 tables (joins come with the delta engine)");
  }

  @Test
  void analyse_noSource_reasonMentionsZeroTables() {
    ShapeParser.Outcome o =
        ShapeParser.analyse(
            "SELECT 1 AS one", probe(List.of(new Column("one", "integer")), List.of()));

    assertThat(o.reason()).isEqualTo("reads 0 tables (joins come with the delta engine)");
  }

  @Test
  void analyse_commaSelfJoin_notPlainSelect() {
    ShapeParser.Outcome o =
        ShapeParser.analyse(
            "SELECT a.id FROM orders a, orders b WHERE a.id = b.id",
            ordersProbe(new Column("id", "integer")));

    assertThat(o.isDifferentiable()).isFalse();
    assertThat(o.reason()).isEqualTo("is not a plain SELECT ... FROM one table [WHERE ...]");
  }

  @Test
  void analyse_explicitJoin_notPlainSelect() {
    ShapeParser.Outcome o =
        ShapeParser.analyse(
            "SELECT a.id FROM orders a JOIN orders b ON a.id = b.id",
            ordersProbe(new Column("id", "integer")));

    assertThat(o.reason()).isEqualTo("is not a plain SELECT ... FROM one table [WHERE ...]");
  }

  @Test
  void analyse_subqueryInFrom_notPlainSelect() {
    ShapeParser.Outcome o =
        ShapeParser.analyse(
            "SELECT s.id FROM (SELECT id FROM orders) s", ordersProbe(new Column("id", "integer")));

    assertThat(o.reason()).isEqualTo("is not a plain SELECT ... FROM one table [WHERE ...]");
  }

  @Test
  void analyse_union_notPlainSelect() {
    ShapeParser.Outcome o =
        ShapeParser.analyse(
            "SELECT id FROM orders UNION ALL SELECT id FROM orders",
            ordersProbe(new Column("id", "integer")));

    assertThat(o.reason()).isEqualTo("is not a plain SELECT ... FROM one table [WHERE ...]");
  }

  @Test
  void analyse_unparsableSql_reasonSaysParserDoesNotUnderstand() {
    ShapeParser.Outcome o =
        ShapeParser.analyse(
            "SELECT id FROM orders WHERE", ordersProbe(new Column("id", "integer")));

    assertThat(o.reason()).isEqualTo("is SQL the delta engine's parser does not understand yet");
  }

  @Test
  void analyse_itemCountMismatch_notDifferentiable() {
    ShapeParser.Outcome o =
        ShapeParser.analyse(
            "SELECT id, amount FROM orders", ordersProbe(new Column("id", "integer")));

    assertThat(o.isDifferentiable()).isFalse();
    assertThat(o.reason())
        .isEqualTo("has a select list the delta engine could not line up with its columns");
  }
}
