package dev.trickle.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PgServerTest {
  @Test
  void parsesLibpqUrls() {
    PgServer s = PgServer.fromUrl("postgresql://alice:s%40cret@db.example:6543/main");
    assertThat(s.adminDatabase()).isEqualTo("main");
    assertThat(s.jdbcUrl("x"))
        .isEqualTo("jdbc:postgresql://db.example:6543/x?user=alice&password=s%40cret");
    assertThat(s.postgresUrl("x")).isEqualTo("postgresql://alice:s%40cret@db.example:6543/x");
    assertThat(s.canRestart()).isFalse();
  }

  @Test
  void parsesJdbcUrls() {
    PgServer s = PgServer.fromUrl("jdbc:postgresql://localhost/?user=bob&password=pw");
    assertThat(s.adminDatabase()).isEqualTo("postgres");
    assertThat(s.postgresUrl("y")).isEqualTo("postgresql://bob:pw@localhost:5432/y");
  }

  @Test
  void databaseNamesAreSanitizedAndUnique() {
    String a = PgDatabase.uniqueName("Some$Weird Class-Name");
    String b = PgDatabase.uniqueName("Some$Weird Class-Name");
    assertThat(a).startsWith("t_some_weird_class_name_").matches("[a-z0-9_]+").isNotEqualTo(b);
    assertThat(PgDatabase.uniqueName("x".repeat(200)).length()).isLessThanOrEqualTo(63);
  }
}
