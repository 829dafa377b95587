package dev.trickle.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

final class LsnTest {

  @Test
  void parse_postgresForm_splitsHighAndLowHalves() {
    Lsn lsn = Lsn.parse("16/B374D848");

    assertThat(lsn.value()).isEqualTo(0x16_B374D848L);
  }

  @Test
  void toString_value_printsUppercaseHexWithoutPadding() {
    assertThat(new Lsn(0x16_B374D848L)).hasToString("16/B374D848");
    assertThat(Lsn.ZERO).hasToString("0/0");
    assertThat(new Lsn(0x1_00000000L)).hasToString("1/0");
    assertThat(new Lsn(-1L)).hasToString("FFFFFFFF/FFFFFFFF");
  }

  @Test
  void parse_lowercaseAndLeadingZeros_sameValue() {
    assertThat(Lsn.parse("016/b374d848")).isEqualTo(Lsn.parse("16/B374D848"));
    assertThat(Lsn.parse("00000000/00000001").value()).isEqualTo(1L);
  }

  @Test
  void parse_maximum_isAllOnes() {
    assertThat(Lsn.parse("FFFFFFFF/FFFFFFFF").value()).isEqualTo(-1L);
  }

  @Test
  void parse_thenToString_roundTrips() {
    assertThat(Lsn.parse("16/B374D848")).hasToString("16/B374D848");
    assertThat(Lsn.parse("0/0")).isEqualTo(Lsn.ZERO);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "/",
        "16",
        "/B374D848",
        "16/",
        "G/0",
        "0/XYZ",
        "1/2/3",
        "-1/0",
        "0/-1",
        "+1/0",
        " 1/0",
        "100000000/0",
        "0/100000000",
        "0/1FFFFFFFF",
        "\uFF11/0"
      })
  void parse_notAnLsn_throwsNamingInput(String text) {
    assertThatThrownBy(() -> Lsn.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not an LSN: " + text);
  }

  @Test
  void compareTo_highBitSet_ordersUnsigned() {
    Lsn low = new Lsn(1L);
    Lsn high = Lsn.parse("80000000/0");

    assertThat(high.value()).isNegative();
    assertThat(high).isGreaterThan(low);
    assertThat(low).isLessThan(high);
    assertThat(new Lsn(-1L)).isGreaterThan(high);
    assertThat(low.compareTo(new Lsn(1L))).isZero();
  }

  @Test
  void isAfter_strictlyLater_onlyThen() {
    Lsn a = Lsn.parse("0/10");
    Lsn b = Lsn.parse("0/11");

    assertThat(b.isAfter(a)).isTrue();
    assertThat(a.isAfter(b)).isFalse();
    assertThat(a.isAfter(Lsn.parse("0/10"))).isFalse();
    assertThat(new Lsn(-1L).isAfter(a)).isTrue();
  }

  @Test
  void max_unsigned_returnsLater() {
    Lsn a = Lsn.parse("0/10");
    Lsn top = Lsn.parse("FFFFFFFF/0");

    assertThat(a.max(top)).isSameAs(top);
    assertThat(top.max(a)).isSameAs(top);
    assertThat(a.max(Lsn.ZERO)).isSameAs(a);
  }

  @Test
  void max_equal_returnsThis() {
    Lsn a = new Lsn(5);
    Lsn b = new Lsn(5);

    assertThat(a.max(b)).isSameAs(a);
  }

  @Property
  void parse_ofToString_equalsOriginal(@ForAll long value) {
    Lsn lsn = new Lsn(value);

    assertThat(Lsn.parse(lsn.toString())).isEqualTo(lsn);
  }

  @Property
  void compareTo_anyTwo_agreesWithUnsignedLong(@ForAll long a, @ForAll long b) {
    assertThat(Integer.signum(new Lsn(a).compareTo(new Lsn(b))))
        .isEqualTo(Integer.signum(Long.compareUnsigned(a, b)));
  }
}
