package dev.trickle.api.cli;

import dev.trickle.config.DatabaseUrl;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** The demo's write workload: small random transactions on the demo tables at a fixed rate. */
final class DemoWorkload implements AutoCloseable {
  private final DatabaseUrl db;
  private final Properties credentials;
  private final int rate;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicLong transactions = new AtomicLong();
  private final Thread thread;

  DemoWorkload(DatabaseUrl db, Properties credentials, int rate) {
    this.db = db;
    this.credentials = credentials;
    this.rate = Math.max(1, rate);
    this.thread = new Thread(this::loop, "trickle-demo-workload");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  long transactions() {
    return transactions.get();
  }

  private void loop() {
    SplittableRandom rnd = new SplittableRandom(42);
    long interval = 1_000_000_000L / rate;
    long next = System.nanoTime();
    try (Connection conn = DriverManager.getConnection(db.toJdbcUrl(), credentials)) {
      conn.setAutoCommit(false);
      long nextId = 1_000_000;
      while (running.get()) {
        int k = rnd.nextInt(100);
        if (k < 35) {
          try (PreparedStatement ps =
              conn.prepareStatement(
                  "INSERT INTO demo_orders VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")) {
            ps.setLong(1, nextId++);
            ps.setString(2, "customer-" + rnd.nextInt(97));
            ps.setBigDecimal(3, java.math.BigDecimal.valueOf(rnd.nextInt(100_000), 2));
            ps.setString(4, rnd.nextInt(4) == 0 ? null : "note " + rnd.nextInt(1000));
            ps.executeUpdate();
          }
        } else if (k < 75) {
          try (PreparedStatement ps =
              conn.prepareStatement("UPDATE demo_orders SET amount = ?, note = ? WHERE id = ?")) {
            ps.setBigDecimal(1, java.math.BigDecimal.valueOf(rnd.nextInt(100_000), 2));
            ps.setString(2, "édité ✓ " + rnd.nextInt(1000));
            ps.setLong(3, 1 + rnd.nextInt(10_000));
            ps.executeUpdate();
          }
        } else if (k < 85) {
          try (PreparedStatement ps =
              conn.prepareStatement("DELETE FROM demo_orders WHERE id = ?")) {
            ps.setLong(1, 1 + rnd.nextInt(10_000));
            ps.executeUpdate();
          }
        } else if (k < 95) {
          try (PreparedStatement ps =
              conn.prepareStatement("INSERT INTO demo_clicks VALUES (?, ?)")) {
            ps.setString(1, new String[] {"/", "/cart", "/health", "/checkout"}[rnd.nextInt(4)]);
            ps.setInt(2, rnd.nextInt(50));
            ps.executeUpdate();
          }
        } else {
          try (PreparedStatement ps =
              conn.prepareStatement(
                  "DELETE FROM demo_clicks WHERE ctid IN (SELECT ctid FROM demo_clicks WHERE visitor"
                      + " = ? LIMIT 1)")) {
            ps.setInt(1, rnd.nextInt(50));
            ps.executeUpdate();
          }
        }
        conn.commit();
        transactions.incrementAndGet();
        next += interval;
        long sleep = next - System.nanoTime();
        if (sleep > 0) {
          Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        }
      }
    } catch (SQLException e) {
      if (running.get()) {
        System.err.println("workload stopped: " + e.getMessage());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    running.set(false);
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
