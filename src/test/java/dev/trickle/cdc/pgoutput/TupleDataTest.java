package dev.trickle.cdc.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

final class TupleDataTest {

  @Test
  void ofText_nullElement_becomesNullKind() {
    TupleData t = TupleData.ofText("a", null, "");

    assertThat(t.size()).isEqualTo(3);
    assertThat(t.kind(0)).isEqualTo('t');
    assertThat(t.kind(1)).isEqualTo('n');
    assertThat(t.isNull(1)).isTrue();
    assertThat(t.text(1)).isNull();
    assertThat(t.text(2)).isEmpty();
  }

  @Test
  void binary_returnsFreshCopy() {
    TupleData t = TupleData.builder().addBinary(new byte[] {1, 2}).build();

    t.binary(0)[0] = 42;

    assertThat(t.binary(0)).containsExactly(1, 2);
  }

  @Test
  void builder_copiesBinaryInput() {
    byte[] in = {1, 2};
    TupleData t = TupleData.builder().addBinary(in).build();

    in[0] = 42;

    assertThat(t.binary(0)).containsExactly(1, 2);
  }

  @Test
  void builder_growsBeyondInitialCapacity() {
    TupleData.Builder b = TupleData.builder();
    for (int i = 0; i < 20; i++) {
      b.addText(Integer.toString(i));
    }
    TupleData t = b.build();

    assertThat(t.size()).isEqualTo(20);
    assertThat(t.text(19)).isEqualTo("19");
  }

  @Test
  void equals_comparesKindsAndValues() {
    assertThat(TupleData.ofText("a", null)).isEqualTo(TupleData.ofText("a", null));
    assertThat(TupleData.ofText("a", null)).hasSameHashCodeAs(TupleData.ofText("a", null));
    assertThat(TupleData.ofText("a", null)).isNotEqualTo(TupleData.ofText("a", "b"));
    assertThat(TupleData.builder().addNull().build())
        .isNotEqualTo(TupleData.builder().addUnchangedToast().build());
    assertThat(TupleData.builder().addBinary(new byte[] {1}).build())
        .isEqualTo(TupleData.builder().addBinary(new byte[] {1}).build())
        .isNotEqualTo(TupleData.builder().addBinary(new byte[] {2}).build());
  }

  @Test
  void toString_showsKindsAndValues() {
    TupleData t =
        TupleData.builder()
            .addText("42")
            .addNull()
            .addUnchangedToast()
            .addBinary(new byte[] {0x0a, (byte) 0xff})
            .build();

    assertThat(t).hasToString("TupleData[t:\"42\", n, u, b:0x0aff]");
  }

  @Test
  void accessors_outOfRangeColumn_throwIndexOutOfBounds() {
    TupleData t = TupleData.ofText("a");

    assertThatThrownBy(() -> t.kind(1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> t.text(-1)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void addText_null_isRejected() {
    assertThatThrownBy(() -> TupleData.builder().addText(null))
        .isInstanceOf(NullPointerException.class);
  }
}
