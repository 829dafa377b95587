package dev.trickle.dvm.optree;

import static org.assertj.core.api.Assertions.assertThat;

import dev.trickle.config.RefreshMode;
import dev.trickle.dvm.DvmLimits;
import dev.trickle.model.Strategy;
import dev.trickle.model.TableRef;
import dev.trickle.service.Plan;
import dev.trickle.service.StreamTablePlanner;
import dev.trickle.testing.PgDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The query front end on every query of the acceptance corpus and of TPC-H's 22: each one is
 * probed, parsed into an operator tree or refused with a reason, and planned (AUTO) without an
 * error; the ones the engine differentiates are exactly the expected ones, and their generated
 * delta SQL passes the server's EXPLAIN (the planner checks it). Every refusal names what the query
 * uses.
 */
final class FrontEndIT {
  private static PgDatabase db;
  private static Connection conn;

  /** Acceptance queries expected DIFFERENTIAL: the core and dvm1 tags. */
  private static final Set<String> ACCEPTANCE_DIFFERENTIABLE_TAGS = Set.of("core", "dvm1");

  /** TPC-H queries without subqueries in WHERE/HAVING, CTEs or LIMIT. */
  private static final Set<String> TPCH_DIFFERENTIABLE =
      Set.of("q1", "q5", "q6", "q7", "q8", "q9", "q12", "q13", "q14", "q19");

  @BeforeAll
  static void start() throws Exception {
    db = PgDatabase.create("frontend");
    conn = db.connect();
    try (Statement s = conn.createStatement()) {
      for (String ddl : schema("acceptance.sql")) {
        s.execute(ddl);
      }
      for (String ddl : schema("tpch.sql")) {
        s.execute(ddl);
      }
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (conn != null) {
      conn.close();
    }
    if (db != null) {
      db.drop();
    }
  }

  @Test
  void acceptanceCorpus() throws Exception {
    Map<String, String> queries = queries("acceptance.sql");
    assertThat(queries).hasSize(19);
    for (Map.Entry<String, String> q : queries.entrySet()) {
      String tag = q.getKey().substring(q.getKey().lastIndexOf('_') + 1);
      check(q.getKey(), q.getValue(), ACCEPTANCE_DIFFERENTIABLE_TAGS.contains(tag));
    }
  }

  @Test
  void tpch() throws Exception {
    Map<String, String> queries = queries("tpch.sql");
    assertThat(queries).hasSize(22);
    for (Map.Entry<String, String> q : queries.entrySet()) {
      check(q.getKey(), q.getValue(), TPCH_DIFFERENTIABLE.contains(q.getKey()));
    }
  }

  private static void check(String name, String query, boolean differentiable) throws Exception {
    Plan plan =
        StreamTablePlanner.plan(
            conn,
            new TableRef("public", "fe_" + name),
            query,
            RefreshMode.AUTO,
            dev.trickle.config.ResourceBudget.DEFAULTS,
            Duration.ofSeconds(1),
            true,
            "pgoutput",
            DvmLimits.DEFAULTS,
            false,
            java.util.List.of());
    OpTreeBuilder.Outcome tree = OpTreeBuilder.build(plan.probe(), 64);
    assertThat(tree.tree() != null || tree.reason() != null).as(name).isTrue();
    if (differentiable) {
      assertThat(plan.sql().strategy())
          .as("%s: %s", name, plan.warnings())
          .isNotEqualTo(Strategy.FULL_ONLY);
    } else {
      assertThat(plan.sql().strategy()).as(name).isEqualTo(Strategy.FULL_ONLY);
      assertThat(plan.warnings())
          .as(name)
          .anySatisfy(w -> assertThat(w).contains("AUTO refreshes FULL because it"));
    }
  }

  private static String text(String resource) throws IOException {
    try (InputStream in = FrontEndIT.class.getResourceAsStream("/frontend/" + resource)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** The statements before the first query. */
  private static List<String> schema(String resource) throws IOException {
    String t = text(resource);
    int first = t.indexOf("-- query:");
    return java.util.Arrays.stream(t.substring(0, first).split(";\\s*\\n", -1))
        .map(s -> s.lines().filter(l -> !l.startsWith("--")).reduce("", (a, b) -> a + "\n" + b))
        .map(String::strip)
        .filter(s -> !s.isEmpty())
        .toList();
  }

  /** The queries by name. */
  private static Map<String, String> queries(String resource) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    String name = null;
    StringBuilder q = new StringBuilder();
    for (String line : text(resource).lines().toList()) {
      if (line.startsWith("-- query: ")) {
        name = line.substring("-- query: ".length()).strip();
        q.setLength(0);
      } else if (name != null && !line.startsWith("--")) {
        q.append(line).append('\n');
        if (line.stripTrailing().endsWith(";")) {
          out.put(name, q.toString().strip());
          name = null;
        }
      }
    }
    return out;
  }
}
