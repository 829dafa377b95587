package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.model.TableRef;
import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Identifiers an attacker or an unlucky user might choose (quotes, semicolons, comment markers,
 * unicode, spaces, mixed case, reserved words) for schemas, source tables, columns and stream
 * tables: every one is quoted wherever Trickle writes SQL, so the stream tables are created, filled
 * and maintained differentially (keyed, keyless, aggregate and join), equal their queries, and
 * nothing else is touched.
 */
final class HostileNamesIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  static final String SCHEMA = "Odd \"Schema\"; --";
  static final String ORDERS = TableRef.quoteIdent(SCHEMA) + ".\"order\"";
  static final String USERS = TableRef.quoteIdent(SCHEMA) + ".\"user's; table\"";

  @Test
  void hostileIdentifiers_areQuotedEverywhere() throws Exception {
    db.execute(
        "CREATE SCHEMA " + TableRef.quoteIdent(SCHEMA),
        "CREATE TABLE "
            + ORDERS
            + " (\"select\" int PRIMARY KEY, \"a;b\" text, \"ünï cødé\" int, \"Mixed Case\" text,"
            + " \"it's\" text, \"user\" int)",
        "CREATE TABLE " + USERS + " (\"group\" text, \"desc\" int, \"user\" int)",
        "CREATE TABLE canary (x int)",
        "INSERT INTO canary VALUES (1)",
        "INSERT INTO "
            + ORDERS
            + " SELECT g, 'v;' || g, g % 4, 'Case ' || g, 'it''s ' || g, g % 3 FROM"
            + " generate_series(1, 40) g",
        "INSERT INTO " + USERS + " SELECT 'g \"' || g % 3, g, g % 3 FROM generate_series(1, 30) g");
    Map<String, String> tables = new LinkedHashMap<>();
    tables.put(
        SCHEMA + ".st 'x'; DROP TABLE canary; --",
        "SELECT o.\"select\", o.\"a;b\", o.\"ünï cødé\", o.\"Mixed Case\", o.\"it's\" FROM "
            + ORDERS
            + " o WHERE o.\"select\" > 2");
    tables.put("public.select", "SELECT \"group\", \"desc\" FROM " + USERS + " WHERE \"desc\" > 1");
    tables.put(
        "public.ünï \"täble\"",
        "SELECT \"group\", count(*) AS \"count(*)\", sum(\"desc\") AS \"sum; --\" FROM "
            + USERS
            + " GROUP BY \"group\"");
    tables.put(
        "public.Mixed Case Join",
        "SELECT o.\"select\", u.\"group\" FROM "
            + ORDERS
            + " o JOIN "
            + USERS
            + " u ON u.\"user\" = o.\"user\"");
    StringBuilder yaml = new StringBuilder("stream_tables:\n");
    tables.forEach(
        (name, query) ->
            yaml.append("  - name: '")
                .append(name.replace("'", "''"))
                .append("'\n    query: |\n      ")
                .append(query)
                .append("\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n"));
    Path config = PipelineFixture.writeConfig(db, "hostile", yaml.toString());
    try (PipelineFixture p = PipelineFixture.start(config);
        Connection c = db.connect();
        Statement st = c.createStatement()) {
      assertThat(p.pipeline().isReady()).isTrue();
      st.execute(
          "UPDATE " + ORDERS + " SET \"a;b\" = 'x''; --', \"user\" = 2 WHERE \"select\" <= 10");
      st.execute("DELETE FROM " + ORDERS + " WHERE \"select\" > 35");
      st.execute("INSERT INTO " + USERS + " VALUES ('new \"one\"; --', 7, 2)");
      st.execute("UPDATE " + USERS + " SET \"desc\" = \"desc\" + 1 WHERE \"desc\" % 2 = 0");
      for (Map.Entry<String, String> e : tables.entrySet()) {
        String[] parts = e.getKey().split("\\.", 2);
        String quoted = new TableRef(parts[0], parts[1]).quoted();
        assertThat(Oracle.awaitEqual(c, quoted, e.getValue(), 20_000)).as(e.getKey()).isZero();
      }
      assertThat(
              db.queryLong(
                  "SELECT count(*) FROM pgtrickle.pgt_stream_tables WHERE strategy <> 'FULL_ONLY'"))
          .as("all maintained differentially")
          .isEqualTo(tables.size());
      assertThat(db.queryLong("SELECT count(*) FROM canary")).as("nothing else touched").isOne();
    }
  }
}
