package dev.trickle.dvm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trickle.dvm.SourceSchema.Observed;
import dev.trickle.dvm.SourceSchema.ReadColumn;
import dev.trickle.model.TableRef;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

final class SourceSchemaTest {
  static final TableRef ORDERS = new TableRef("public", "orders");
  static final ReadColumn ID = new ReadColumn(1, "id", "integer");
  static final ReadColumn AMOUNT = new ReadColumn(2, "amount", "numeric(10,2)");
  static final SourceSchema PLANNED =
      new SourceSchema(List.of(new SourceSchema.Source(ORDERS, 16384, List.of(ID, AMOUNT))));

  private static List<Observed> now(long oid, TableRef nameOfOid, ReadColumn... columns) {
    return List.of(new Observed(oid, nameOfOid, Arrays.asList(columns)));
  }

  @Test
  void asPlanned_isNoChange() {
    assertThat(PLANNED.changeIn(now(16384, ORDERS, ID, AMOUNT))).isEmpty();
  }

  @Test
  void aDroppedColumn_isNamed() {
    assertThat(PLANNED.changeIn(now(16384, ORDERS, ID, null)))
        .contains("source public.orders changed: column amount was dropped");
  }

  @Test
  void aRenamedColumn_keepsItsNumber_andIsNamedWithItsNewName() {
    assertThat(PLANNED.changeIn(now(16384, ORDERS, ID, new ReadColumn(2, "total", AMOUNT.type()))))
        .contains("source public.orders changed: column amount was renamed to total");
  }

  @Test
  void aTypeChange_namesBothTypes_withTheirModifiers() {
    assertThat(
            PLANNED.changeIn(now(16384, ORDERS, ID, new ReadColumn(2, "amount", "numeric(12,2)"))))
        .contains(
            "source public.orders changed: column amount changed type from numeric(10,2) to"
                + " numeric(12,2)");
  }

  @Test
  void severalChanges_areNamedTogether() {
    assertThat(PLANNED.changeIn(now(16384, ORDERS, new ReadColumn(1, "key", "integer"), null)))
        .contains(
            "source public.orders changed: column id was renamed to key, column amount was dropped");
  }

  @Test
  void aDroppedTable_aTableCreatedAgain_andARenamedTable() {
    assertThat(PLANNED.changeIn(now(0, null, null, null)))
        .contains("source public.orders was dropped");
    assertThat(PLANNED.changeIn(now(20000, null, null, null)))
        .contains("source public.orders was dropped and created again");
    assertThat(PLANNED.changeIn(now(0, new TableRef("public", "orders_old"), ID, AMOUNT)))
        .contains("source public.orders changed: it was renamed to public.orders_old");
  }

  @Test
  void theServersAnswer_isRead() {
    String json = "[[16384, [\"public\", \"orders\"], [[\"id\", \"integer\"], null]]]";
    assertThat(PLANNED.parse(json)).isEqualTo(now(16384, ORDERS, ID, null));
    assertThat(PLANNED.parse("[[null, null, [null, null]]]")).isEqualTo(now(0, null, null, null));
    assertThatThrownBy(() -> PLANNED.parse("nonsense"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theObservingSql_looksUpThePlannedOidAndColumnNumbers_andQuotesTheName() {
    SourceSchema odd =
        new SourceSchema(
            List.of(new SourceSchema.Source(new TableRef("s", "it's"), 7, List.of(ID))));
    assertThat(odd.observeSql())
        .contains("n.nspname = 's' AND c.relname = 'it''s'")
        .contains("attrelid = 7::oid AND attnum = 1")
        .endsWith("::text");
    assertThat(SourceSchema.NONE.changeIn(List.of())).isEmpty();
  }
}
