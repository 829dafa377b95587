package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import dev.trickle.testing.RandomWrites;
import dev.trickle.testing.ServiceProcess;
import dev.trickle.testing.TcpProxy;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Faults F3 and F2 between the service and the database: the service (a separate process) reaches
 * PostgreSQL only through an in-process {@link TcpProxy}, which adds latency, cuts every connection
 * (RST), or black-holes them (silence, no close). A writer keeps changing the sources directly
 * meanwhile. Lag past {@code ready_max_lag} turns {@code /readyz} 503 and back; cut and silent
 * connections are noticed and opened again with backoff; afterwards a keyed stream table and one
 * without a key (where a double application would add copies) equal their queries.
 */
final class NetworkFaultIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  static final String KEYED = "SELECT id, v, w FROM items WHERE v % 3 <> 0";
  static final String DUPS = "SELECT tag, v FROM ticks WHERE v > 1";
  static final String SLOT = "net";

  private static TcpProxy proxy;
  private static Path config;

  @BeforeAll
  static void schema() throws Exception {
    db.execute(
        "CREATE TABLE items (id int PRIMARY KEY, v int, w text)",
        "CREATE TABLE ticks (tag text, v int)",
        "INSERT INTO items SELECT g, g, 'w' FROM generate_series(1, 500) g");
    Matcher hostPort = Pattern.compile("@([^:/@]+):(\\d+)/").matcher(db.postgresUrl());
    assertThat(hostPort.find()).as(db.postgresUrl()).isTrue();
    proxy =
        new TcpProxy(new InetSocketAddress(hostPort.group(1), Integer.parseInt(hostPort.group(2))));
    Path file =
        PipelineFixture.writeConfig(
            db,
            SLOT,
            "settings:\n"
                + "  cdc:\n"
                + "    reconnect_backoff_max: 2s\n"
                + "    receive_timeout: 3s\n"
                + "  monitoring:\n"
                + "    ready_max_lag: 2s\n"
                + "stream_tables:\n"
                + "  - name: st_items\n    query: "
                + KEYED
                + "\n    schedule: 100ms\n    refresh_mode: DIFFERENTIAL\n"
                + "  - name: st_ticks\n    query: "
                + DUPS
                + "\n    schedule: 150ms\n    refresh_mode: DIFFERENTIAL\n");
    // the service reaches the database only through the proxy
    String yaml =
        Files.readString(file, StandardCharsets.UTF_8)
            .replace(hostPort.group(0), "@127.0.0.1:" + proxy.port() + "/");
    Files.writeString(file, yaml, StandardCharsets.UTF_8);
    config = file;
  }

  @AfterAll
  static void closeProxy() {
    proxy.close();
  }

  @AfterEach
  void healNetwork() {
    proxy.setLatency(Duration.ZERO);
    proxy.heal();
  }

  @Test
  void latency_growsTheLag_readyzTurns503AndBack_andNothingCorrupts() throws Exception {
    Writer writer = new Writer(1);
    try (ServiceProcess service = new ServiceProcess(config)) {
      service.start();
      writer.start();
      proxy.setLatency(Duration.ofMillis(250));
      String lagging = awaitReadyz(service, "pg_trickle.ready_max_lag", 60_000);
      assertThat(lagging).contains("503:").contains("stream table public.st_");
      proxy.setLatency(Duration.ZERO);
      assertThat(awaitReadyz(service, "\"ready\"", 60_000)).startsWith("200:");
      writer.stop();
      assertExact(service);
      assertThat(service.terminate()).as("SIGTERM exits 0").isZero();
    }
  }

  @Test
  void connectionsCutRepeatedly_underWrites_areOpenedAgain_andNothingIsLostOrAppliedTwice()
      throws Exception {
    SplittableRandom rnd = new SplittableRandom(23);
    Writer writer = new Writer(2);
    Set<Integer> walsenders = new HashSet<>();
    try (ServiceProcess service = new ServiceProcess(config)) {
      service.start();
      writer.start();
      for (int round = 0; round < 4; round++) {
        int before = awaitWalsender(-1, service);
        walsenders.add(before);
        Thread.sleep(500 + rnd.nextInt(1000));
        assertThat(proxy.cutAll()).as("connections cut").isPositive();
        walsenders.add(awaitWalsender(before, service));
      }
      writer.stop();
      assertThat(walsenders)
          .as("a new replication connection after every cut")
          .hasSizeGreaterThanOrEqualTo(5);
      assertExact(service);
      assertThat(awaitReadyz(service, "\"ready\"", 30_000)).startsWith("200:");
    }
  }

  @Test
  void blackHole_isNoticed_theConnectionOpenedAgain_andNothingIsLostOrAppliedTwice()
      throws Exception {
    Writer writer = new Writer(3);
    try (ServiceProcess service = new ServiceProcess(config)) {
      service.start();
      writer.start();
      int before = awaitWalsender(-1, service);
      Thread.sleep(500);
      proxy.blackHole(); // silence: nothing forwarded, nothing closed
      assertThat(awaitReadyz(service, "replication is not streaming", 40_000))
          .as("the silent replication connection is given up")
          .startsWith("503:");
      Thread.sleep(1_000);
      proxy.heal();
      assertThat(awaitWalsender(before, service)).isNotEqualTo(before);
      writer.stop();
      assertExact(service);
      assertThat(awaitReadyz(service, "\"ready\"", 30_000)).startsWith("200:");
    }
  }

  /** Both stream tables equal their queries (the writer has stopped). */
  private static void assertExact(ServiceProcess service) throws Exception {
    try (Connection c = db.connect()) {
      assertThat(Oracle.awaitEqual(c, "st_items", KEYED, 60_000)).as(service.logTail()).isZero();
      assertThat(Oracle.awaitEqual(c, "st_ticks", DUPS, 60_000)).as(service.logTail()).isZero();
    }
  }

  /** Polls {@code /readyz} until its answer contains {@code expected}; returns "status: body". */
  private static String awaitReadyz(ServiceProcess service, String expected, long timeoutMillis)
      throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMillis;
    String last = "";
    while (System.currentTimeMillis() < deadline) {
      last = service.readyz();
      if (last.contains(expected)) {
        return last;
      }
      Thread.sleep(100);
    }
    throw new AssertionError(
        "/readyz never said " + expected + "; last: " + last + "\n" + service.logTail());
  }

  /** Waits for the slot's walsender to be another one than {@code not}; returns its pid. */
  private static int awaitWalsender(int not, ServiceProcess service) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    try (Connection c = db.connect();
        Statement st = c.createStatement()) {
      while (System.currentTimeMillis() < deadline) {
        try (ResultSet rs =
            st.executeQuery(
                "SELECT active_pid FROM pg_replication_slots WHERE slot_name = '"
                    + SLOT
                    + "' AND active")) {
          if (rs.next() && rs.getInt(1) != not) {
            return rs.getInt(1);
          }
        }
        Thread.sleep(50);
      }
    }
    throw new AssertionError("no new replication connection\n" + service.logTail());
  }

  /** Inserts, updates and deletes on both sources, directly (not through the proxy). */
  private static final class Writer {
    private final AtomicBoolean writing = new AtomicBoolean(true);
    private final AtomicLong written = new AtomicLong();
    private final Thread thread;

    Writer(long seed) {
      thread = new Thread(() -> write(new SplittableRandom(seed)), "network-fault-writer");
    }

    void start() {
      thread.start();
    }

    void stop() throws InterruptedException {
      writing.set(false);
      thread.join();
      assertThat(written.get()).as("writes").isGreaterThan(50);
    }

    private void write(SplittableRandom rnd) {
      try (Connection c = db.connect();
          Statement st = c.createStatement()) {
        while (writing.get()) {
          RandomWrites.itemsAndTicks(st, rnd);
          written.incrementAndGet();
          Thread.sleep(10);
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
