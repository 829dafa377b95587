package dev.trickle.advisor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.observe.RefreshLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Each rule of the configuration advisor, provoked and not, on observations built by hand. */
final class AdvisorTest {
  private static final Observations.Limits LIMITS = new Observations.Limits(4, 256, 50_000, 256);
  private static final String ST = "public.st";

  /** A quiet sample: nothing waits, nothing behind, nothing buffered, no cache traffic. */
  private static Observations.Sample quiet(long at) {
    return new Observations.Sample(at, 0, 1, 0, 0, 0, 0, 0, 0, Map.of(ST, 0L));
  }

  private static List<Observations.Sample> samples(
      int n, java.util.function.IntFunction<Observations.Sample> at) {
    List<Observations.Sample> s = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      s.add(at.apply(i));
    }
    return s;
  }

  private static List<RefreshLog.Refresh> refreshes(
      int n, long millis, long deltaRows, long chunks) {
    List<RefreshLog.Refresh> r = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      r.add(new RefreshLog.Refresh(i * 1000L, millis, deltaRows, chunks));
    }
    return r;
  }

  private static Observations obs(
      Observations.Limits limits,
      List<Observations.Sample> samples,
      Duration schedule,
      int workMemMb,
      List<RefreshLog.Refresh> refreshes) {
    return new Observations(
        limits,
        samples,
        Map.of(ST, new Observations.StreamTableActivity(schedule, workMemMb, refreshes)));
  }

  @Test
  void idle_noRecommendation() {
    assertThat(
            Advisor.recommend(
                obs(
                    LIMITS,
                    samples(300, i -> quiet(i * 1000L)),
                    Duration.ofSeconds(1),
                    64,
                    List.of())))
        .isEmpty();
    assertThat(Advisor.recommend(obs(LIMITS, List.of(), Duration.ofSeconds(1), 64, List.of())))
        .isEmpty();
  }

  @Property(tries = 200)
  void healthy_noRecommendation(
      @ForAll @IntRange(min = 0, max = 400) int samples,
      @ForAll @IntRange(min = 0, max = 500) int refreshes,
      @ForAll @IntRange(min = 1, max = 1000) int refreshMillis,
      @ForAll @IntRange(min = 0, max = 2) int busy,
      @ForAll @IntRange(min = 0, max = 1_000_000) int walBehind) {
    // refreshes faster than the schedule, within the batch size, a warm cache, a steady lag
    var s =
        samples(
            samples,
            i ->
                new Observations.Sample(
                    i * 1000L, busy, 4, 0, walBehind, 1000, 100L * i, 0, 0, Map.of(ST, 0L)));
    assertThat(
            Advisor.recommend(
                obs(
                    LIMITS,
                    s,
                    Duration.ofMillis(refreshMillis + 1L),
                    64,
                    refreshes(refreshes, refreshMillis, 1000, 1))))
        .isEmpty();
  }

  @Test
  void refreshesSlowerThanTheSchedule_recommendALongerSchedule() {
    var r = new ArrayList<>(refreshes(9, 200, 10, 1));
    r.add(new RefreshLog.Refresh(10_000, 700, 10, 1));
    r.add(new RefreshLog.Refresh(11_000, 700, 10, 1));
    var recs = Advisor.recommend(obs(LIMITS, List.of(), Duration.ofMillis(500), 64, r));
    assertThat(recs)
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.gucName()).isEqualTo("public.st.schedule");
              assertThat(x.currentValue()).isEqualTo("500ms");
              assertThat(x.recommendedValue()).isEqualTo("2s"); // 2 x 700 ms, rounded up
              assertThat(x.reason()).contains("11 refreshes", "700 ms", "500ms schedule");
            });
    // at the schedule (p95 = 500 ms), or with too few refreshes: nothing
    assertThat(
            Advisor.recommend(
                obs(LIMITS, List.of(), Duration.ofMillis(500), 64, refreshes(20, 500, 1, 1))))
        .isEmpty();
    assertThat(
            Advisor.recommend(
                obs(LIMITS, List.of(), Duration.ofMillis(500), 64, refreshes(4, 5000, 1, 1))))
        .isEmpty();
  }

  @Test
  void refreshesAheadOfSchedule_recommendMoreMemory() {
    // 6 budget refreshes in 60 s of a 1 MB stream table on a 1 min schedule: one a 10 s, so a
    // schedule's changes take 6 MB, x 1.25 -> 8 MB (a power of two)
    var s =
        samples(
            61,
            i -> new Observations.Sample(i * 1000L, 0, 1, 0, 0, 0, 0, 0, 0, Map.of(ST, i / 10L)));
    var recs = Advisor.recommend(obs(LIMITS, s, Duration.ofMinutes(1), 1, List.of()));
    assertThat(recs)
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.gucName()).isEqualTo("public.st.merge_work_mem_mb");
              assertThat(x.currentValue()).isEqualTo("1");
              assertThat(x.recommendedValue()).isEqualTo("8");
              assertThat(x.reason()).contains("6 times ahead of its 1m schedule", "1 MB");
            });
    // a 1 h schedule would need 450 MB a schedule: capped at 1024, no advice to shorten
    var hour = Advisor.recommend(obs(LIMITS, s, Duration.ofHours(1), 1, List.of()));
    assertThat(hour.get(0).recommendedValue()).isEqualTo("512");
    // two such refreshes are not enough evidence
    var two =
        samples(
            61,
            i -> new Observations.Sample(i * 1000L, 0, 1, 0, 0, 0, 0, 0, 0, Map.of(ST, i / 30L)));
    assertThat(Advisor.recommend(obs(LIMITS, two, Duration.ofMinutes(1), 1, List.of()))).isEmpty();
  }

  @Test
  void aBudgetNeedingMoreThanAGigabyte_isCappedAndSaysShortenTheSchedule() {
    var s =
        samples(
            11,
            i -> new Observations.Sample(i * 1000L, 0, 1, 0, 0, 0, 0, 0, 0, Map.of(ST, (long) i)));
    var x = Advisor.recommend(obs(LIMITS, s, Duration.ofHours(1), 64, List.of())).get(0);
    assertThat(x.recommendedValue()).isEqualTo("1024");
    assertThat(x.reason()).contains("consider a shorter schedule");
  }

  @Test
  void refreshesWaitingWithAllWorkersBusy_recommendMoreWorkers() {
    var s =
        samples(
            20,
            i ->
                new Observations.Sample(
                    i * 1000L, 4, 4, i % 4 == 0 ? 0 : 2, 0, 0, 0, 0, 0, Map.of()));
    var recs = Advisor.recommend(obs(LIMITS, s, Duration.ofSeconds(1), 64, List.of()));
    assertThat(recs)
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.gucName()).isEqualTo("pg_trickle.max_workers");
              assertThat(x.currentValue()).isEqualTo("4");
              assertThat(x.recommendedValue()).isEqualTo("8");
              assertThat(x.reason()).contains("75%", "all 4 were busy");
            });
    // waiting while the pool is below max_workers (stream tables limited to 1 worker): not this
    var limited =
        samples(20, i -> new Observations.Sample(i * 1000L, 1, 1, 2, 0, 0, 0, 0, 0, Map.of()));
    assertThat(Advisor.recommend(obs(LIMITS, limited, Duration.ofSeconds(1), 64, List.of())))
        .isEmpty();
    // waiting in a third of the samples: not enough
    var sometimes =
        samples(
            21,
            i ->
                new Observations.Sample(
                    i * 1000L, 4, 4, i % 3 == 0 ? 1 : 0, 0, 0, 0, 0, 0, Map.of()));
    assertThat(Advisor.recommend(obs(LIMITS, sometimes, Duration.ofSeconds(1), 64, List.of())))
        .isEmpty();
  }

  @Test
  void lagHighWhileTheBufferIsFull_recommendsALargerBuffer() {
    long mb = 1024 * 1024;
    var limits = new Observations.Limits(4, 1, 50_000, 256);
    // 12 samples: the WAL behind goes from 1 MB to 12 MB, the buffer full throughout
    var s =
        samples(
            12,
            i -> new Observations.Sample(i * 1000L, 1, 1, 0, (i + 1) * mb, mb, 0, 0, 0, Map.of()));
    var recs = Advisor.recommend(obs(limits, s, Duration.ofSeconds(1), 64, List.of()));
    assertThat(recs)
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.gucName()).isEqualTo("pg_trickle.buffer_max_mb");
              assertThat(x.currentValue()).isEqualTo("1");
              assertThat(x.recommendedValue()).isEqualTo("2");
              // late third 10.5 MB, early third 2.5 MB, 8 MB over 2/3 of 11 s
              assertThat(x.reason()).contains("10.5 MB on average", "+1.1 MB/s", "100% of samples");
            });
    // a high but steady lag with a full buffer is still worth it
    var steady =
        samples(
            12, i -> new Observations.Sample(i * 1000L, 1, 1, 0, 8 * mb, mb, 0, 0, 0, Map.of()));
    assertThat(Advisor.recommend(obs(limits, steady, Duration.ofSeconds(1), 64, List.of())))
        .singleElement()
        .satisfies(x -> assertThat(x.reason()).contains("8.0 MB", "+0.0 MB/s"));
    // the same lag with a buffer that has room: the buffer is not the cause
    var room =
        samples(
            12,
            i ->
                new Observations.Sample(
                    i * 1000L, 1, 1, 0, (i + 1) * mb, mb / 2, 0, 0, 0, Map.of()));
    assertThat(Advisor.recommend(obs(limits, room, Duration.ofSeconds(1), 64, List.of())))
        .isEmpty();
    // a full buffer with little lag: it drains fast enough
    var small =
        samples(
            12, i -> new Observations.Sample(i * 1000L, 1, 1, 0, 3 * mb, mb, 0, 0, 0, Map.of()));
    assertThat(Advisor.recommend(obs(limits, small, Duration.ofSeconds(1), 64, List.of())))
        .isEmpty();
  }

  @Test
  void mostRefreshesChunked_recommendABatchThatHoldsTheDelta() {
    var limits = new Observations.Limits(4, 256, 10, 256);
    var r = refreshes(8, 5, 47, 5);
    var recs = Advisor.recommend(obs(limits, List.of(), Duration.ofSeconds(1), 64, r));
    assertThat(recs)
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.gucName()).isEqualTo("pg_trickle.merge_batch_size");
              assertThat(x.currentValue()).isEqualTo("10");
              assertThat(x.recommendedValue()).isEqualTo("50");
              assertThat(x.reason()).contains("public.st (8 of 8 refreshes, up to 5 chunks");
            });
    // an occasional big delta is what chunks are for: nothing
    var occasional = new ArrayList<>(refreshes(8, 5, 3, 1));
    occasional.add(new RefreshLog.Refresh(9_000, 5, 470, 47));
    assertThat(Advisor.recommend(obs(limits, List.of(), Duration.ofSeconds(1), 64, occasional)))
        .isEmpty();
  }

  @Test
  void templateCacheMissingAndEvicting_recommendsMoreEntries() {
    var limits = new Observations.Limits(4, 256, 50_000, 1);
    var s =
        samples(
            12,
            i -> new Observations.Sample(i * 1000L, 1, 1, 0, 0, 0, i, 3L * i, 3L * i, Map.of()));
    Map<String, Observations.StreamTableActivity> three = new java.util.TreeMap<>();
    for (String name : List.of("public.a", "public.b", "public.c")) {
      three.put(
          name,
          new Observations.StreamTableActivity(Duration.ofMillis(100), 64, refreshes(40, 5, 1, 1)));
    }
    var recs = Advisor.recommend(new Observations(limits, s, three));
    assertThat(recs)
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.gucName()).isEqualTo("pg_trickle.l1_cache_max_entries");
              assertThat(x.currentValue()).isEqualTo("1");
              assertThat(x.recommendedValue()).isEqualTo("5"); // 3 + 25%, rounded up to 1-2-5
              assertThat(x.reason()).contains("75%", "44 lookups", "33 entries", "holds 1");
            });
    // misses without evictions (a cold start): nothing
    var cold =
        samples(12, i -> new Observations.Sample(i * 1000L, 1, 1, 0, 0, 0, i, 3L * i, 0, Map.of()));
    assertThat(Advisor.recommend(new Observations(limits, cold, three))).isEmpty();
  }

  @Test
  void roundUp125() {
    assertThat(Advisor.roundUp125(0)).isEqualTo(1);
    assertThat(Advisor.roundUp125(3)).isEqualTo(5);
    assertThat(Advisor.roundUp125(20)).isEqualTo(20);
    assertThat(Advisor.roundUp125(21)).isEqualTo(50);
    assertThat(Advisor.roundUp125(501)).isEqualTo(1000);
  }
}
