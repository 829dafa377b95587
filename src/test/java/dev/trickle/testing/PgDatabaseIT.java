package dev.trickle.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.postgresql.PGConnection;
import org.postgresql.PGProperty;
import org.postgresql.replication.PGReplicationStream;

class PgDatabaseIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  @Test
  void eachClassGetsItsOwnDatabase() throws SQLException {
    assertThat(db.name()).startsWith("t_pgdatabaseit_");
    assertThat(db.queryRows("SELECT current_database()")).containsExactly(List.of(db.name()));
    assertThat(db.jdbcUrl()).startsWith("jdbc:postgresql://").contains("/" + db.name() + "?");
    assertThat(db.postgresUrl()).startsWith("postgresql://").endsWith("/" + db.name());
  }

  @Test
  void queryHelpers() throws SQLException {
    db.execute(
        "CREATE TABLE IF NOT EXISTS h (id int PRIMARY KEY, v text)",
        "TRUNCATE h",
        "INSERT INTO h VALUES (1, 'one'), (2, NULL)");
    assertThat(db.queryLong("SELECT count(*) FROM h")).isEqualTo(2);
    assertThat(db.queryRows("SELECT id, v FROM h ORDER BY id"))
        .containsExactly(List.of("1", "one"), Arrays.asList("2", null));
    assertThat(db.queryRows("SELECT 1 WHERE false")).isEmpty();
  }

  @Test
  void dropTerminatesSessionsAndWalsendersAndDropsSlots() throws Exception {
    PgDatabase other = PgDatabase.create("drop me!");
    String name = other.name();
    assertThat(name).startsWith("t_drop_me__");
    String slot = name + "_slot";
    other.execute(
        "CREATE TABLE x (id int PRIMARY KEY)",
        "CREATE PUBLICATION p FOR ALL TABLES",
        "SELECT pg_create_logical_replication_slot('" + slot + "_idle', 'pgoutput')",
        "SELECT pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");

    Properties props = new Properties();
    PGProperty.REPLICATION.set(props, "database");
    PGProperty.PREFER_QUERY_MODE.set(props, "simple");
    PGProperty.ASSUME_MIN_SERVER_VERSION.set(props, "10");
    try (Connection session = other.connect();
        Connection replication = DriverManager.getConnection(other.jdbcUrl(), props)) {
      PGReplicationStream stream =
          replication
              .unwrap(PGConnection.class)
              .getReplicationAPI()
              .replicationStream()
              .logical()
              .withSlotName(slot)
              .withSlotOption("proto_version", "1")
              .withSlotOption("publication_names", "p")
              .start();
      assertThat(stream.readPending()).isNull();
      org.awaitility.Awaitility.await()
          .atMost(10, TimeUnit.SECONDS)
          .until(
              () ->
                  db.queryLong(
                          "SELECT count(*) FROM pg_replication_slots WHERE active AND slot_name = '"
                              + slot
                              + "'")
                      == 1);

      other.drop();

      assertThat(db.queryLong("SELECT count(*) FROM pg_database WHERE datname = '" + name + "'"))
          .isZero();
      assertThat(
              db.queryLong(
                  "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE '" + slot + "%'"))
          .isZero();
      assertThat(session.isValid(5)).isFalse();
    }
    assertThatThrownBy(other::name).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void sharedServerKeepsCommittedDataAcrossRestarts() throws SQLException {
    assumeTrue(db.server().canRestart(), "only a local cluster can be restarted");
    db.execute("CREATE TABLE r (id int PRIMARY KEY)", "INSERT INTO r VALUES (1)");
    db.server().restart();
    assertThat(db.queryLong("SELECT count(*) FROM r")).isEqualTo(1);
    db.execute("INSERT INTO r VALUES (2)");
    db.server().crashRestart();
    assertThat(db.queryLong("SELECT count(*) FROM r")).isEqualTo(2);
  }

  @Nested
  class NestedClass {
    @Test
    void sharesTheEnclosingDatabase() throws SQLException {
      assertThat(db.queryRows("SELECT current_database()")).containsExactly(List.of(db.name()));
    }
  }
}
