package dev.trickle.config;

import static dev.trickle.config.YamlFiles.error;
import static dev.trickle.config.YamlFiles.load;
import static dev.trickle.config.YamlFiles.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class EnvExpanderTest {

  private final EnvExpander env = new EnvExpander(Map.of("HOST", "db", "EMPTY", ""));

  @TempDir Path dir;

  @Test
  void expand_variablesAndDefaults() {
    assertThat(env.expand("x${HOST}y")).isEqualTo("xdby");
    assertThat(env.expand("${MISSING:-fallback}")).isEqualTo("fallback");
    assertThat(env.expand("${EMPTY:-fallback}")).isEqualTo("fallback");
    assertThat(env.expand("${EMPTY}")).isEmpty();
    assertThat(env.expand("${HOST:-other}")).isEqualTo("db");
    assertThat(env.expand("costs $5")).isEqualTo("costs $5");
  }

  @Test
  void expand_doubleDollar_escapesLiteral() {
    assertThat(env.expand("$${HOST} and ${HOST}")).isEqualTo("${HOST} and db");
  }

  @Test
  void expand_unsetVariable_namesIt() {
    assertThatThrownBy(() -> env.expand("${NOPE}"))
        .hasMessage(
            "environment variable NOPE is not set (set it, or write ${NOPE:-default} to give a"
                + " default)");
  }

  @Test
  void expand_unterminated_isAnError() {
    assertThatThrownBy(() -> env.expand("${HOST"))
        .hasMessage("\"${\" has no closing \"}\" (write $${ for a literal ${)");
  }

  @Test
  void load_expandsScalarsFromInjectedEnvironment() {
    Path file =
        write(
            dir,
            "p.yaml",
            """
            version: 1
            database:
              url: postgresql://app@${DB_HOST}:${DB_PORT:-5432}/app
            cdc:
              slot: ${SLOT}
            """);
    PipelineConfig config = load(file, Map.of("DB_HOST", "pg.internal", "SLOT", "s1"));
    assertThat(config.database().host()).isEqualTo("pg.internal");
    assertThat(config.database().port()).isEqualTo(5432);
    assertThat(config.cdc().slot()).isEqualTo("s1");
  }

  @Test
  void load_unsetVariable_namesFileLineKeyAndVariable() {
    Path file =
        write(dir, "p.yaml", "version: 1\ndatabase:\n  url: postgresql://app@${DB_HOST}/app\n");
    assertThat(error(file))
        .isEqualTo(
            file
                + ":3: database.url: environment variable DB_HOST is not set (set it, or write"
                + " ${DB_HOST:-default} to give a default)");
  }
}
