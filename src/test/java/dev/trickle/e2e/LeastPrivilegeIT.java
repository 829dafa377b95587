package dev.trickle.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.testing.Oracle;
import dev.trickle.testing.PgDatabase;
import dev.trickle.testing.PipelineFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The service runs as the least-privileged role docs/OPERATIONS.md describes: LOGIN REPLICATION,
 * CREATE on the database (its {@code pgtrickle} schema), SELECT on the sources, its own schema for
 * the stream tables, and the publication (prepared by the owner of the sources, who also set the
 * replica identity). No superuser, no ownership of the sources: the stream tables are created,
 * maintained and equal their queries.
 */
final class LeastPrivilegeIT {
  @RegisterExtension static final PgDatabase db = new PgDatabase();

  static final String KEYED = "SELECT id, v FROM public.lp_src WHERE v > 3";
  static final String ROWS = "SELECT tag, n FROM public.lp_rows";

  @Test
  void theLeastPrivilegedRole_maintainsItsStreamTables() throws Exception {
    db.execute(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'trickle_lp') THEN"
            + " CREATE ROLE trickle_lp LOGIN REPLICATION; END IF; END $$",
        "GRANT CREATE ON DATABASE " + db.name() + " TO trickle_lp",
        "CREATE TABLE lp_src (id int PRIMARY KEY, v int)",
        "CREATE TABLE lp_rows (tag text, n int)",
        "ALTER TABLE lp_rows REPLICA IDENTITY FULL",
        "INSERT INTO lp_src SELECT g, g FROM generate_series(1, 50) g",
        "INSERT INTO lp_rows SELECT 't' || g % 3, g FROM generate_series(1, 20) g",
        "GRANT SELECT ON lp_src, lp_rows TO trickle_lp",
        "CREATE SCHEMA lp_out AUTHORIZATION trickle_lp",
        "CREATE PUBLICATION lp FOR TABLE lp_src, lp_rows WITH (publish_via_partition_root ="
            + " true)",
        "ALTER PUBLICATION lp OWNER TO trickle_lp");
    String url = db.postgresUrl();
    Path config =
        PipelineFixture.writeConfig(
            db,
            "lp",
            "stream_tables:\n  - name: lp_out.st_src\n    query: "
                + KEYED
                + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n"
                + "  - name: lp_out.st_rows\n    query: "
                + ROWS
                + "\n    schedule: 50ms\n    refresh_mode: DIFFERENTIAL\n");
    Files.writeString(
        config,
        Files.readString(config).replace(url, url.replaceFirst("//[^@/]+@", "//trickle_lp@")));
    try (PipelineFixture p = PipelineFixture.start(config);
        Connection c = db.connect();
        Statement st = c.createStatement()) {
      assertThat(p.pipeline().isReady()).isTrue();
      st.execute("UPDATE lp_src SET v = v + 10 WHERE id <= 10");
      st.execute("DELETE FROM lp_src WHERE id > 45");
      st.execute("INSERT INTO lp_rows VALUES ('new', 1), ('new', 1)");
      st.execute("DELETE FROM lp_rows WHERE n = 5");
      assertThat(Oracle.awaitEqual(c, "lp_out.st_src", KEYED, 20_000)).isZero();
      assertThat(Oracle.awaitEqual(c, "lp_out.st_rows", ROWS, 20_000)).isZero();
      assertThat(
              db.queryLong(
                  "SELECT count(*) FROM pg_tables WHERE schemaname = 'lp_out' AND tableowner ="
                      + " 'trickle_lp'"))
          .isEqualTo(2);
      assertThat(
              db.queryLong(
                  "SELECT count(*) FROM pg_roles WHERE rolname = 'trickle_lp' AND NOT rolsuper"))
          .isOne();
    }
  }
}
