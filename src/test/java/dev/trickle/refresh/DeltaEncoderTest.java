package dev.trickle.refresh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.trickle.cdc.RowChange;
import dev.trickle.cdc.SourceRelation;
import dev.trickle.cdc.WalTransaction;
import dev.trickle.cdc.pgoutput.TupleData;
import dev.trickle.model.Lsn;
import dev.trickle.model.Strategy;
import dev.trickle.model.TableRef;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class DeltaEncoderTest {
  private static final TableRef T = new TableRef("public", "t");
  private static final TableRef OTHER = new TableRef("public", "other");

  /** Relation order differs from the delta column order on purpose. */
  private static final SourceRelation REL =
      new SourceRelation(1, T, List.of("note", "id", "amount"), 'f');

  private static final List<String> KEY = List.of("id");
  private static final List<String> ALL = List.of("id", "amount", "note");

  private static long lsn = 0x100;

  private static RowChange insert(TupleData row) {
    return new RowChange(RowChange.Kind.INSERT, REL, null, row);
  }

  private static RowChange update(TupleData old, TupleData row) {
    return new RowChange(RowChange.Kind.UPDATE, REL, old, row);
  }

  private static RowChange delete(TupleData old) {
    return new RowChange(RowChange.Kind.DELETE, REL, old, null);
  }

  /** A tuple in relation order: note, id, amount. */
  private static TupleData row(String note, String id, String amount) {
    return TupleData.ofText(note, id, amount);
  }

  private static WalTransaction tx(RowChange... changes) {
    Map<TableRef, List<RowChange>> m = new LinkedHashMap<>();
    m.put(T, new ArrayList<>(Arrays.asList(changes)));
    lsn += 0x100;
    return new WalTransaction(
        1, new Lsn(lsn), new Lsn(lsn + 8), Instant.EPOCH, m, Set.of(), List.of());
  }

  private static DeltaEncoder.Encoded encode(
      Strategy strategy, List<String> columns, WalTransaction... txs) {
    return DeltaEncoder.encode(strategy, T, columns, List.of(txs));
  }

  @Test
  void encode_keyedInsertUpdateDelete_distinctKeysInFirstSeenOrder() {
    DeltaEncoder.Encoded e =
        encode(
            Strategy.KEYED,
            KEY,
            tx(insert(row("a", "1", "1.00")), insert(row("b", "2", "2.00"))),
            tx(update(null, row("a2", "1", "1.50")), delete(row(null, "2", null))),
            tx(insert(row("c", "3", "3.00"))));

    assertThat(e.arrays()).containsExactly("{\"1\",\"2\",\"3\"}");
    assertThat(e.rows()).isEqualTo(3);
  }

  @Test
  void encode_keyedKeyUpdate_yieldsOldAndNewKey() {
    DeltaEncoder.Encoded e =
        encode(Strategy.KEYED, KEY, tx(update(row(null, "7", null), row("x", "8", "1"))));

    assertThat(e.arrays()).containsExactly("{\"7\",\"8\"}");
    assertThat(e.rows()).isEqualTo(2);
  }

  @Test
  void encode_keyedCompositeKey_columnsPickedByName() {
    DeltaEncoder.Encoded e =
        encode(Strategy.KEYED, List.of("amount", "id"), tx(insert(row("n", "1", "9.99"))));

    assertThat(e.arrays()).containsExactly("{\"9.99\"}", "{\"1\"}");
  }

  @Test
  void encode_keyedUnchangedToastKey_takenFromOldImage() {
    TupleData newRow = TupleData.builder().addText("n").addUnchangedToast().addText("1").build();

    DeltaEncoder.Encoded e =
        encode(Strategy.KEYED, KEY, tx(update(row(null, "big", null), newRow)));

    assertThat(e.arrays()).containsExactly("{\"big\"}");
    assertThat(e.rows()).isEqualTo(1);
  }

  @Test
  void encode_keyedQuotesAndBackslashesAndNulls_escapedForArrayLiteral() {
    DeltaEncoder.Encoded e =
        encode(
            Strategy.KEYED,
            List.of("note", "id"),
            tx(insert(row("say \"hi\" \\o/ {,}", "1", "0")), insert(row(null, "2", "0"))));

    assertThat(e.arrays()).containsExactly("{\"say \\\"hi\\\" \\\\o/ {,}\",NULL}", "{\"1\",\"2\"}");
    assertThat(e.copyText()).isEmpty();
  }

  @Test
  void encode_keyedUnchangedToastWithoutOldImage_throwsNamingTableAndColumn() {
    TupleData newRow = TupleData.builder().addText("n").addUnchangedToast().addText("1").build();

    assertThatThrownBy(() -> encode(Strategy.KEYED, KEY, tx(update(null, newRow))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("unchanged TOAST value of public.t.id without an old image");
  }

  @Test
  void encode_multisetInsert_plusOneWeight() {
    DeltaEncoder.Encoded e = encode(Strategy.MULTISET, ALL, tx(insert(row("hello", "1", "2.50"))));

    assertThat(e.copyText()).isEqualTo("1\t2.50\thello\t1\n");
    assertThat(e.rows()).isEqualTo(1);
  }

  @Test
  void encode_multisetUpdateAndDelete_minusOldPlusNew() {
    DeltaEncoder.Encoded e =
        encode(
            Strategy.MULTISET,
            ALL,
            tx(update(row("a", "1", "1.00"), row("b", "1", "2.00"))),
            tx(delete(row("b", "1", "2.00"))));

    assertThat(e.copyText()).isEqualTo("1\t1.00\ta\t-1\n1\t2.00\tb\t1\n1\t2.00\tb\t-1\n");
    assertThat(e.rows()).isEqualTo(3);
  }

  @Test
  void encode_multisetDuplicateRows_notCollapsed() {
    DeltaEncoder.Encoded e =
        encode(Strategy.MULTISET, ALL, tx(insert(row("a", "1", "1")), insert(row("a", "1", "1"))));

    assertThat(e.copyText()).isEqualTo("1\t1\ta\t1\n1\t1\ta\t1\n");
    assertThat(e.rows()).isEqualTo(2);
  }

  @Test
  void encode_multisetUnchangedToast_newImageTakesOldValue() {
    TupleData old = row("long text", "1", "1.00");
    TupleData newRow = TupleData.builder().addUnchangedToast().addText("1").addText("2.00").build();

    DeltaEncoder.Encoded e = encode(Strategy.MULTISET, ALL, tx(update(old, newRow)));

    assertThat(e.copyText()).isEqualTo("1\t1.00\tlong text\t-1\n1\t2.00\tlong text\t1\n");
  }

  @Test
  void encode_multisetUnchangedToastInBothImages_throwsNamingTableAndColumn() {
    TupleData old = TupleData.builder().addUnchangedToast().addText("1").addText("1").build();
    TupleData newRow = TupleData.builder().addUnchangedToast().addText("1").addText("2").build();

    assertThatThrownBy(() -> encode(Strategy.MULTISET, ALL, tx(update(old, newRow))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("unchanged TOAST value of public.t.note without an old image");
  }

  @Test
  void encode_multisetUpdateWithoutOldImage_throwsAskingForReplicaIdentityFull() {
    assertThatThrownBy(() -> encode(Strategy.MULTISET, ALL, tx(update(null, row("a", "1", "1")))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("no old row image for public.t (needs REPLICA IDENTITY FULL)");
  }

  @Test
  void encode_null_writtenAsBackslashN() {
    DeltaEncoder.Encoded e = encode(Strategy.MULTISET, ALL, tx(insert(row(null, "1", null))));

    assertThat(e.copyText()).isEqualTo("1\t\\N\t\\N\t1\n");
  }

  @Test
  void encode_specialCharacters_copyEscaped() {
    DeltaEncoder.Encoded e =
        encode(Strategy.MULTISET, ALL, tx(insert(row("a\\b\tc\nd\re", "1", "\\N"))));

    assertThat(e.copyText()).isEqualTo("1\t\\\\N\ta\\\\b\\tc\\nd\\re\t1\n");
  }

  @Test
  void encode_unicodeAndEmpty_passThrough() {
    DeltaEncoder.Encoded e =
        encode(
            Strategy.MULTISET,
            ALL,
            tx(insert(row("caf\u00e9 \u65e5\u672c \uD83D\uDE00", "1", ""))));

    assertThat(e.copyText()).isEqualTo("1\t\tcaf\u00e9 \u65e5\u672c \uD83D\uDE00\t1\n");
  }

  @Test
  void escape_eachSpecialCharacter() {
    StringBuilder b = new StringBuilder();

    DeltaEncoder.escape(b, "\\|\t|\n|\r|x\u00e9");

    assertThat(b).hasToString("\\\\|\\t|\\n|\\r|x\u00e9");
  }

  @Test
  void encode_otherTablesAndEmptyTransactions_ignored() {
    Map<TableRef, List<RowChange>> other = new LinkedHashMap<>();
    other.put(
        OTHER,
        List.of(
            new RowChange(
                RowChange.Kind.INSERT,
                new SourceRelation(2, OTHER, List.of("id"), 'd'),
                null,
                TupleData.ofText("99"))));
    WalTransaction onlyOther =
        new WalTransaction(
            2, new Lsn(0x10), new Lsn(0x18), Instant.EPOCH, other, Set.of(), List.of());

    DeltaEncoder.Encoded e =
        DeltaEncoder.encode(
            Strategy.KEYED, T, KEY, List.of(onlyOther, tx(insert(row("a", "5", "1")))));

    assertThat(e.arrays()).containsExactly("{\"5\"}");
    assertThat(e.rows()).isEqualTo(1);
  }

  @Test
  void encode_noTransactions_empty() {
    DeltaEncoder.Encoded keyed = DeltaEncoder.encode(Strategy.KEYED, T, KEY, List.of());
    DeltaEncoder.Encoded multiset = DeltaEncoder.encode(Strategy.MULTISET, T, ALL, List.of());

    assertThat(keyed.arrays()).containsExactly("{}");
    assertThat(keyed.rows()).isZero();
    assertThat(multiset.copyText()).isEmpty();
    assertThat(multiset.rows()).isZero();
  }

  @Test
  void encode_columnMissingFromRelation_throwsNamingColumnAndTable() {
    assertThatThrownBy(
            () -> encode(Strategy.KEYED, List.of("missing"), tx(insert(row("a", "1", "1")))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("column missing of public.t is not in the change stream");
  }

  @Test
  void encode_binaryValue_throwsNamingColumn() {
    TupleData bin = TupleData.builder().addText("n").addBinary(new byte[] {1}).addText("1").build();

    assertThatThrownBy(() -> encode(Strategy.KEYED, KEY, tx(insert(bin))))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("binary value of public.t.id");
  }

  @Test
  void pieces_multiset_concatenateToTheWholeCopyText_inBoundedPieces() {
    WalTransaction[] txs = new WalTransaction[40];
    for (int i = 0; i < txs.length; i++) {
      txs[i] =
          tx(
              insert(row("n" + i, Integer.toString(i), "1")),
              update(row("n" + i, Integer.toString(i), "1"), row("m\t" + i, "x", "2")));
    }
    DeltaEncoder.Encoded whole = encode(Strategy.MULTISET, ALL, txs);
    StringBuilder joined = new StringBuilder();
    int rows = 0;
    int pieces = 0;
    var it = DeltaEncoder.pieces(Strategy.MULTISET, T, ALL, List.of(txs), 100);
    while (it.hasNext()) {
      DeltaEncoder.Piece p = it.next();
      assertThat(p.text().length()).isLessThan(100 + 40);
      joined.append(p.text());
      rows += p.rows();
      pieces++;
    }
    assertThat(joined.toString()).isEqualTo(whole.copyText());
    assertThat(rows).isEqualTo(whole.rows()).isEqualTo(120);
    assertThat(pieces).isGreaterThan(10);
  }

  @Test
  void pieces_keyed_oneRowPerKeyACarries_duplicatesLeftToTheServer() {
    var it =
        DeltaEncoder.pieces(
            Strategy.KEYED,
            T,
            KEY,
            List.of(
                tx(insert(row("a", "1", "1.00")), update(row(null, "1", null), row("b", "2", "1"))),
                tx(delete(row(null, "2", null)), insert(row("c", "a\tb", "1")))),
            1 << 20);
    DeltaEncoder.Piece p = it.next();
    assertThat(p.text()).isEqualTo("1\n1\n2\n2\na\\tb\n");
    assertThat(p.rows()).isEqualTo(5);
    assertThat(it.hasNext()).isFalse();
  }
}
