package dev.trickle.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

final class PgSnapshotTest {
  private static final long EPOCH = 1L << 32;

  @Test
  void parse_withXip_readsAllParts() {
    PgSnapshot s = PgSnapshot.parse("10:20:12,15");

    assertThat(s.xmin()).isEqualTo(10);
    assertThat(s.xmax()).isEqualTo(20);
    assertThat(s).isEqualTo(PgSnapshot.of(10, 20, 12, 15));
    assertThat(s).hasToString("10:20:12,15");
  }

  @Test
  void parse_emptyXip_roundTrips() {
    PgSnapshot s = PgSnapshot.parse("10:10:");

    assertThat(s.xmin()).isEqualTo(10);
    assertThat(s.xmax()).isEqualTo(10);
    assertThat(s).isEqualTo(PgSnapshot.of(10, 10));
    assertThat(s).hasToString("10:10:");
  }

  @Test
  void parse_surroundingWhitespace_isTrimmed() {
    assertThat(PgSnapshot.parse("  10:20:12 \n")).isEqualTo(PgSnapshot.of(10, 20, 12));
  }

  @Test
  void of_unsortedXip_sortsForPrintingAndEquality() {
    PgSnapshot s = PgSnapshot.of(10, 20, 15, 12);

    assertThat(s).hasToString("10:20:12,15");
    assertThat(s).isEqualTo(PgSnapshot.parse("10:20:12,15"));
    assertThat(s.hashCode()).isEqualTo(PgSnapshot.parse("10:20:12,15").hashCode());
  }

  @Test
  void of_callerArrayChangedAfterwards_snapshotUnaffected() {
    long[] xip = {12, 15};
    PgSnapshot s = PgSnapshot.of(10, 20, xip);

    xip[0] = 18;

    assertThat(s.isVisible(12)).isFalse();
    assertThat(s.isVisible(18)).isTrue();
  }

  @Test
  void equals_differentParts_notEqual() {
    PgSnapshot s = PgSnapshot.of(10, 20, 12);

    assertThat(s).isNotEqualTo(PgSnapshot.of(11, 20, 12));
    assertThat(s).isNotEqualTo(PgSnapshot.of(10, 21, 12));
    assertThat(s).isNotEqualTo(PgSnapshot.of(10, 20, 13));
    assertThat(s).isNotEqualTo(PgSnapshot.of(10, 20));
    assertThat(s).isNotEqualTo("10:20:12");
  }

  @Test
  void parse_wrongNumberOfParts_throwsNamingInput() {
    assertThatThrownBy(() -> PgSnapshot.parse("10:20"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a snapshot: 10:20");
    assertThatThrownBy(() -> PgSnapshot.parse("10:20:12:15"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("not a snapshot: 10:20:12:15");
  }

  @Test
  void parse_nonNumeric_throwsIllegalArgument() {
    assertThatThrownBy(() -> PgSnapshot.parse("a:20:"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> PgSnapshot.parse("10:20:x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void of_xminAfterXmax_throwsNamingBoth() {
    assertThatThrownBy(() -> PgSnapshot.of(21, 20))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("xmin 21 is after xmax 20");
  }

  @Test
  void isVisible_belowXmin_visible() {
    PgSnapshot s = PgSnapshot.parse("10:20:12,15");

    assertThat(s.isVisible(9)).isTrue();
    assertThat(s.isVisible(1)).isTrue();
  }

  @Test
  void isVisible_inXip_notVisible() {
    PgSnapshot s = PgSnapshot.parse("10:20:10,12,15");

    assertThat(s.isVisible(10)).isFalse();
    assertThat(s.isVisible(12)).isFalse();
    assertThat(s.isVisible(15)).isFalse();
  }

  @Test
  void isVisible_betweenXminAndXmaxNotInXip_visible() {
    PgSnapshot s = PgSnapshot.parse("10:20:12,15");

    assertThat(s.isVisible(10)).isTrue();
    assertThat(s.isVisible(11)).isTrue();
    assertThat(s.isVisible(13)).isTrue();
    assertThat(s.isVisible(19)).isTrue();
  }

  @Test
  void isVisible_atOrAboveXmax_notVisible() {
    PgSnapshot s = PgSnapshot.parse("10:20:12,15");

    assertThat(s.isVisible(20)).isFalse();
    assertThat(s.isVisible(21)).isFalse();
    assertThat(s.isVisible(EPOCH + 5)).isFalse();
  }

  @Test
  void widen_previousEpochXid_landsBelowEpochBoundary() {
    PgSnapshot s = PgSnapshot.of(EPOCH - 100, EPOCH + 5);

    assertThat(s.widen(0xFFFFFFF0)).isEqualTo(EPOCH - 16);
  }

  @Test
  void widen_currentEpochXid_landsAboveEpochBoundary() {
    PgSnapshot s = PgSnapshot.of(EPOCH - 100, EPOCH + 5);

    assertThat(s.widen(3)).isEqualTo(EPOCH + 3);
    assertThat(s.widen(5)).isEqualTo(EPOCH + 5);
  }

  @Test
  void widen_nextEpochXidJustAboveXmax_landsInNextEpoch() {
    PgSnapshot s = PgSnapshot.of(2 * EPOCH - 10, 2 * EPOCH - 4);

    assertThat(s.widen(2)).isEqualTo(2 * EPOCH + 2);
    assertThat(s.widen(-20)).isEqualTo(2 * EPOCH - 20);
  }

  @Test
  void isVisible32_acrossEpochBoundary_usesWidenedXid() {
    // Running: 2^32 - 16 (previous epoch) and 2^32 + 3 (current epoch).
    PgSnapshot s = PgSnapshot.of(EPOCH - 16, EPOCH + 5, EPOCH - 16, EPOCH + 3);

    assertThat(s.isVisible32(0xFFFFFFF0)).isFalse();
    assertThat(s.isVisible32(3)).isFalse();
    assertThat(s.isVisible32(0xFFFFFFEF)).isTrue(); // 2^32 - 17, below xmin
    assertThat(s.isVisible32(0xFFFFFFFF)).isTrue(); // 2^32 - 1, between, not running
    assertThat(s.isVisible32(0)).isTrue(); // 2^32, between, not running
    assertThat(s.isVisible32(4)).isTrue();
    assertThat(s.isVisible32(5)).isFalse(); // xmax
    assertThat(s.isVisible32(6)).isFalse();
  }

  @Test
  void includes_laterSnapshotAfterRunningOnesCommitted_true() {
    PgSnapshot older = PgSnapshot.parse("10:20:12,15");
    PgSnapshot newer = PgSnapshot.parse("15:25:15,22");

    assertThat(newer.includes(older)).isTrue();
    assertThat(older.includes(older)).isTrue();
  }

  @Test
  void includes_olderSnapshot_false() {
    PgSnapshot older = PgSnapshot.parse("10:20:12,15");
    PgSnapshot newer = PgSnapshot.parse("15:25:15,22");

    assertThat(older.includes(newer)).isFalse();
  }

  @Test
  void includes_newerRunningXidVisibleInOlder_false() {
    // 13 was visible in the older snapshot but is listed as running in this one.
    PgSnapshot older = PgSnapshot.parse("10:20:12,15");
    PgSnapshot inconsistent = PgSnapshot.parse("12:25:12,13");

    assertThat(inconsistent.includes(older)).isFalse();
  }

  @Test
  void includes_stillRunningXidsOfOlder_true() {
    PgSnapshot older = PgSnapshot.parse("10:20:12,15");
    PgSnapshot newer = PgSnapshot.parse("12:30:12,15,21");

    assertThat(newer.includes(older)).isTrue();
  }

  @Test
  void includes_smallerXmax_false() {
    PgSnapshot older = PgSnapshot.parse("10:20:");
    PgSnapshot s = PgSnapshot.parse("10:19:");

    assertThat(s.includes(older)).isFalse();
  }

  @Test
  void includes_smallerXmin_false() {
    PgSnapshot older = PgSnapshot.parse("10:20:10");
    PgSnapshot s = PgSnapshot.parse("9:20:9,10");

    assertThat(s.includes(older)).isFalse();
  }

  /** isVisible against the definition, over small random snapshots and xids. */
  @Property(tries = 2000)
  void isVisible_anySnapshot_matchesDefinition(
      @ForAll @LongRange(min = 0, max = 40) long xmin,
      @ForAll @IntRange(min = 0, max = 20) int width,
      @ForAll @Size(max = 20) Set<@IntRange(min = 0, max = 19) Integer> running,
      @ForAll @LongRange(min = 0, max = 70) long xid) {
    long xmax = xmin + width;
    TreeSet<Long> xip = new TreeSet<>();
    for (int r : running) {
      if (r < width) {
        xip.add(xmin + r);
      }
    }
    PgSnapshot s = PgSnapshot.of(xmin, xmax, xip.stream().mapToLong(Long::longValue).toArray());

    boolean expected = xid < xmin || (xid < xmax && !xip.contains(xid));

    assertThat(s.isVisible(xid)).isEqualTo(expected);
    assertThat(PgSnapshot.parse(s.toString())).isEqualTo(s);
  }

  /** isVisible32 equals isVisible of the 64-bit xid near the snapshot, in any epoch. */
  @Property(tries = 2000)
  void isVisible32_nearSnapshot_matchesIsVisible(
      @ForAll @IntRange(min = 0, max = 1000) int epoch,
      @ForAll long low32,
      @ForAll @IntRange(min = 0, max = 50) int width,
      @ForAll @Size(max = 10) Set<@IntRange(min = 0, max = 49) Integer> running,
      @ForAll @IntRange(min = -100, max = 100) int offset) {
    long xmin = ((long) epoch << 32) + (low32 & 0xFFFFFFFFL) + 3;
    long xmax = xmin + width;
    long[] xip =
        running.stream().filter(r -> r < width).mapToLong(r -> xmin + r).sorted().toArray();
    PgSnapshot s = PgSnapshot.of(xmin, xmax, xip);
    long xid = xmax + offset;

    assertThat(s.widen((int) xid)).isEqualTo(xid);
    assertThat(s.isVisible32((int) xid)).isEqualTo(s.isVisible(xid));
  }
}
