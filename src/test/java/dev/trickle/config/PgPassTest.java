package dev.trickle.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

final class PgPassTest {
  private static final DatabaseUrl URL = DatabaseUrl.parse("postgresql://app@db.example:6432/shop");

  @Test
  void lookup_firstMatchingLineWins_withWildcards() {
    String file =
        """
        # comment
        other:6432:shop:app:nope
        db.example:*:shop:app:s3cr:et
        *:*:*:*:fallback
        """;
    assertThat(PgPass.lookup(file, URL)).contains("s3cr:et");
  }

  @Test
  void lookup_escapedColonsAndBackslashes_areUnescaped() {
    assertThat(PgPass.lookup("db.example:6432:shop:app:a\\:b\\\\c", URL)).contains("a:b\\c");
  }

  @Test
  void lookup_noMatch_isEmpty() {
    assertThat(PgPass.lookup("db.example:5432:shop:app:x\nbad line", URL)).isEmpty();
  }
}
