package dev.trickle.dvm.optree;

import dev.trickle.config.RefreshMode;
import dev.trickle.dvm.Column;
import dev.trickle.dvm.OpTreeSqlBuilder;
import dev.trickle.dvm.ProbeResult;
import dev.trickle.dvm.RefreshSql;
import dev.trickle.dvm.SourceTable;
import dev.trickle.model.Strategy;
import dev.trickle.model.TableRef;
import dev.trickle.refresh.StreamTable;
import dev.trickle.refresh.TemplateCache;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Delta SQL generation for a 5-way join (TPC-H lineitem, orders, customer, nation and region, one
 * of them a LEFT JOIN) under a GROUP BY with COUNT, SUM and MAX: generated from the server's
 * canonical text ({@link #generate}: parse, operator tree, SQL) and served by the template cache
 * once generated ({@link #cached}).
 *
 * <p>Not a unit test (the name does not end in Test). Run it as documented in docs/BENCHMARKS.md:
 *
 * <pre>
 * java -cp target/test-classes:target/classes:$(cat target/cp.txt) org.openjdk.jmh.Main \
 *     DeltaSqlGenerationBenchmark -f 1 -wi 3 -i 5
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DeltaSqlGenerationBenchmark {
  static final String CANONICAL =
      "SELECT r.r_name, count(*) AS orders, sum(l.l_extendedprice) AS revenue,"
          + " max(o.o_orderdate) AS last_order FROM ((((lineitem l JOIN orders o ON ((o.o_orderkey"
          + " = l.l_orderkey))) JOIN customer c ON ((c.c_custkey = o.o_custkey))) JOIN nation n ON"
          + " ((n.n_nationkey = c.c_nationkey))) LEFT JOIN region r ON ((r.r_regionkey ="
          + " n.n_regionkey))) WHERE (l.l_quantity > (10)::numeric) GROUP BY r.r_name";

  private ProbeResult probe;
  private TemplateCache cache;
  private StreamTable st;

  private static SourceTable table(String name, String... columns) {
    List<Column> cols = new ArrayList<>();
    for (String c : columns) {
      cols.add(new Column(c, c.endsWith("key") ? "integer" : "numeric"));
    }
    return new SourceTable(
        new TableRef("public", name), cols, List.of(cols.get(0)), 'f', 1000, true);
  }

  /** Builds the probe result the server would give, and warms the cache. */
  @Setup
  public void setUp() throws Exception {
    probe =
        new ProbeResult(
            List.of(
                new Column("r_name", "text"),
                new Column("orders", "bigint"),
                new Column("revenue", "numeric"),
                new Column("last_order", "date")),
            List.of(
                table("lineitem", "l_orderkey", "l_extendedprice", "l_quantity"),
                table("orders", "o_orderkey", "o_custkey", "o_orderdate"),
                table("customer", "c_custkey", "c_nationkey"),
                table("nation", "n_nationkey", "n_regionkey"),
                table("region", "r_regionkey", "r_name")),
            List.of(),
            List.of(),
            List.of("aggregate", "GROUP BY", "join"),
            CANONICAL,
            List.of("count", "sum", "max"));
    st =
        new StreamTable(
            1,
            new TableRef("public", "revenue_by_region"),
            CANONICAL,
            RefreshMode.DIFFERENTIAL,
            null,
            Duration.ofSeconds(1),
            List.of(),
            -1,
            Strategy.OPTREE,
            "v1");
    cache = new TemplateCache(256, s -> generate(), new SimpleMeterRegistry());
    cache.get(st);
  }

  /**
   * Generates the refresh SQL from the canonical text: parse, operator tree, delta statement.
   *
   * @return the SQL
   */
  @Benchmark
  public RefreshSql generate() {
    OpTreeBuilder.Outcome o = OpTreeBuilder.build(probe, 64);
    return OpTreeSqlBuilder.build(
        1, st.name(), CANONICAL, probe.columns(), o.tree(), o.sources(), 1000);
  }

  /**
   * Serves the refresh SQL from the template cache.
   *
   * @return the SQL
   * @throws Exception never (the entry is cached)
   */
  @Benchmark
  public RefreshSql cached() throws Exception {
    return cache.get(st);
  }

  /**
   * Runs this benchmark with JMH defaults from the annotations.
   *
   * @param args extra JMH command-line arguments
   * @throws Exception on failure
   */
  public static void main(String[] args) throws Exception {
    org.openjdk.jmh.Main.main(
        java.util.stream.Stream.concat(
                java.util.stream.Stream.of(DeltaSqlGenerationBenchmark.class.getSimpleName()),
                java.util.Arrays.stream(args))
            .toArray(String[]::new));
  }
}
