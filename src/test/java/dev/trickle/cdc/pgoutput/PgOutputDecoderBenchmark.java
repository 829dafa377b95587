package dev.trickle.cdc.pgoutput;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Decoding throughput of 4-column Insert messages (int, ~10-char text, numeric, short text).
 *
 * <p>Not a unit test (the name does not end in Test). Run it as documented in docs/BENCHMARKS.md,
 * or via {@link #main}:
 *
 * <pre>
 * mvn -q -B test-compile dependency:build-classpath -Dmdep.outputFile=cp.txt -Dmdep.includeScope=test
 * java -cp target/test-classes:target/classes:$(cat cp.txt) org.openjdk.jmh.Main \
 *     PgOutputDecoderBenchmark -f 1 -wi 3 -i 5
 * </pre>
 *
 * <p>The score is in operations per second where one operation is one decoded message.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PgOutputDecoderBenchmark {
  /** Number of distinct pre-built messages decoded per benchmark invocation. */
  static final int MESSAGES = 1024;

  private final ByteBuffer[] buffers = new ByteBuffer[MESSAGES];

  /** Builds the Insert messages once; each invocation rewinds and decodes all of them. */
  @Setup
  public void setUp() {
    for (int i = 0; i < MESSAGES; i++) {
      int id = 1_000_000 + i * 7919;
      byte[] bytes =
          MessageBytes.type('I')
              .i32(16_391)
              .i8('N')
              .i16(4)
              .text(Integer.toString(id))
              .text("customer" + (i % 100))
              .text((i % 1000) + "." + (i % 100))
              .text(i % 2 == 0 ? "open" : "paid")
              .toArray();
      buffers[i] = ByteBuffer.wrap(bytes);
    }
  }

  /**
   * Decodes {@link #MESSAGES} Insert messages.
   *
   * @param bh consumes the decoded messages
   */
  @Benchmark
  @OperationsPerInvocation(MESSAGES)
  public void decodeInsert(Blackhole bh) {
    for (ByteBuffer b : buffers) {
      b.rewind();
      bh.consume(PgOutputDecoder.decode(b, false));
    }
  }

  /**
   * Runs this benchmark with JMH defaults from the annotations.
   *
   * @param args extra JMH command-line arguments
   * @throws Exception if JMH fails
   */
  public static void main(String[] args) throws Exception {
    String[] jmhArgs = new String[args.length + 1];
    jmhArgs[0] = PgOutputDecoderBenchmark.class.getSimpleName();
    System.arraycopy(args, 0, jmhArgs, 1, args.length);
    org.openjdk.jmh.Main.main(jmhArgs);
  }
}
