package dev.trickle.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

final class DatabaseUrlTest {

  @Test
  void parse_fullUrl_givesParts() {
    DatabaseUrl url =
        DatabaseUrl.parse("postgresql://app:p%40ss@db.local:5433/shop?sslmode=require");
    assertThat(url)
        .isEqualTo(
            new DatabaseUrl("db.local", 5433, "shop", "app", "p@ss", Map.of("sslmode", "require")));
    assertThat(url.toJdbcUrl()).isEqualTo("jdbc:postgresql://db.local:5433/shop?sslmode=require");
  }

  @Test
  void parse_postgresSchemeWithoutPort_defaults5432() {
    DatabaseUrl url = DatabaseUrl.parse("postgres://app@h/db");
    assertThat(url.port()).isEqualTo(5432);
    assertThat(url.password()).isNull();
    assertThat(url.toString()).isEqualTo("postgresql://app@h:5432/db");
  }

  @Test
  void parse_jdbcUrl_takesUserAndPasswordFromParams() {
    DatabaseUrl url =
        DatabaseUrl.parse("jdbc:postgresql://h:6000/db?user=bob&password=s3cret&ssl=true");
    assertThat(url.user()).isEqualTo("bob");
    assertThat(url.password()).isEqualTo("s3cret");
    assertThat(url.params()).isEqualTo(Map.of("ssl", "true"));
    assertThat(url.toJdbcUrl()).isEqualTo("jdbc:postgresql://h:6000/db?ssl=true");
  }

  @Test
  void parse_ipv6Host_isBracketedInOutput() {
    DatabaseUrl url = DatabaseUrl.parse("postgresql://u@[::1]:5432/db");
    assertThat(url.host()).isEqualTo("::1");
    assertThat(url.toJdbcUrl()).isEqualTo("jdbc:postgresql://[::1]:5432/db");
  }

  @Test
  void toString_neverContainsPassword() {
    DatabaseUrl url =
        DatabaseUrl.parse("postgresql://app:s3cret@h/db?sslpassword=k3y&application_name=x");
    assertThat(url.toString())
        .isEqualTo("postgresql://app:***@h:5432/db?application_name=x&sslpassword=***")
        .doesNotContain("s3cret")
        .doesNotContain("k3y");
    assertThat(url.toJdbcUrl()).doesNotContain("s3cret");
  }

  @Test
  void parse_errors_explainWithoutQuotingTheUrl() {
    assertThatThrownBy(() -> DatabaseUrl.parse("postgresql://u:s3cret@h"))
        .hasMessage(
            "not a PostgreSQL URL: the database name is missing (" + DatabaseUrl.FORMS + ")");
    assertThatThrownBy(() -> DatabaseUrl.parse("postgresql://u:s3cret@h:99999/db"))
        .hasMessage(
            "not a PostgreSQL URL: port \"99999\" is not a number between 1 and 65535 ("
                + DatabaseUrl.FORMS
                + ")");
    assertThatThrownBy(() -> DatabaseUrl.parse("postgresql://h/db"))
        .hasMessage("not a PostgreSQL URL: the user name is missing (" + DatabaseUrl.FORMS + ")");
    assertThatThrownBy(() -> DatabaseUrl.parse("postgresql://u:s3cret@/db"))
        .hasMessageNotContaining("s3cret")
        .hasMessageContaining("the host is missing");
  }
}
