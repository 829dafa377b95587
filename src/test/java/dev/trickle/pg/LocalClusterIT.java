package dev.trickle.pg;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalClusterIT {

  private static String queryString(String url, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      assertThat(rs.next()).as("a row from %s", sql).isTrue();
      return rs.getString(1);
    }
  }

  private static void execute(String url, String... sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement()) {
      for (String statement : sql) {
        s.execute(statement);
      }
    }
  }

  private static List<String> values(String url) throws SQLException {
    List<String> values = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url);
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT v FROM t ORDER BY id")) {
      while (rs.next()) {
        values.add(rs.getString(1));
      }
    }
    return values;
  }

  @Test
  void systemClusterIsConfiguredForLogicalReplicationAndKeepsDataAcrossRestarts()
      throws SQLException {
    PostgresBinaries bin =
        PostgresBinaries.system()
            .orElseThrow(() -> new AssertionError("no PostgreSQL under /usr/lib/postgresql"));
    Path dataDir;
    try (LocalCluster pg = LocalCluster.start(bin)) {
      dataDir = pg.dataDir();
      assertThat(pg.host()).isEqualTo("127.0.0.1");
      assertThat(pg.jdbcUrl("app"))
          .isEqualTo("jdbc:postgresql://127.0.0.1:" + pg.port() + "/app?user=postgres");
      assertThat(pg.postgresUrl("app"))
          .isEqualTo("postgresql://postgres@127.0.0.1:" + pg.port() + "/app");
      assertThat(pg.logFile()).exists();

      String admin = pg.jdbcUrl("postgres");
      assertThat(queryString(admin, "SHOW wal_level")).isEqualTo("logical");
      assertThat(queryString(admin, "SHOW track_commit_timestamp")).isEqualTo("on");
      assertThat(queryString(admin, "SHOW fsync")).isEqualTo("off");
      assertThat(queryString(admin, "SHOW synchronous_commit")).isEqualTo("on");
      assertThat(queryString(admin, "SHOW max_replication_slots")).isEqualTo("20");
      assertThat(queryString(admin, "SHOW server_encoding")).isEqualTo("UTF8");

      pg.createDatabase("app");
      String url = pg.jdbcUrl("app");
      execute(url, "CREATE TABLE t (id int PRIMARY KEY, v text)", "INSERT INTO t VALUES (1, 'a')");

      int port = pg.port();
      pg.restart();
      assertThat(pg.port()).isEqualTo(port);
      assertThat(values(url)).containsExactly("a");

      execute(url, "INSERT INTO t VALUES (2, 'b')");
      pg.crashStop();
      assertThat(pg.isRunning()).isFalse();
      pg.start();
      assertThat(values(url)).containsExactly("a", "b");

      pg.stop();
      pg.start();
      assertThat(values(url)).containsExactly("a", "b");
    }
    assertThat(Files.exists(dataDir)).as("data dir deleted on close").isFalse();
  }

  @Test
  void embeddedExtractionKeepsSymlinksAndExecutableBitsAndIsReused(@TempDir Path cache)
      throws Exception {
    PostgresBinaries bin = PostgresBinaries.embedded(cache);
    assertThat(bin.binDir()).isEqualTo(cache.resolve("17.5.0").resolve("bin"));
    assertThat(bin.program("pg_ctl")).isExecutable();
    Path libpq = bin.libDir().resolve("libpq.so");
    assertThat(Files.isSymbolicLink(libpq)).isTrue();
    assertThat(libpq.toRealPath()).exists();
    FileTime extracted = Files.getLastModifiedTime(bin.binDir());
    assertThat(PostgresBinaries.embedded(cache)).isEqualTo(bin);
    assertThat(Files.getLastModifiedTime(bin.binDir())).isEqualTo(extracted);
    try (var entries = Files.list(cache)) {
      assertThat(entries.map(p -> p.getFileName().toString())).containsExactly("17.5.0");
    }
  }

  @Test
  void embeddedBinariesRunPostgres17() throws SQLException {
    PostgresBinaries bin = PostgresBinaries.embedded();
    assertThat(bin.source()).isEqualTo(PostgresBinaries.Source.EMBEDDED);
    assertThat(bin.majorVersion()).isEqualTo(17);
    assertThat(PostgresBinaries.embedded()).as("second call reuses the extraction").isEqualTo(bin);
    try (LocalCluster pg = LocalCluster.start(bin)) {
      String admin = pg.jdbcUrl("postgres");
      assertThat(queryString(admin, "SHOW server_version")).startsWith("17");
      assertThat(queryString(admin, "SHOW wal_level")).isEqualTo("logical");
    }
  }
}
