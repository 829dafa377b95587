package dev.trickle.dvm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class QueryFeaturesTest {

  @Test
  void of_plainScan_noFeatures() {
    String tree =
        "({QUERY :commandType 1 :hasAggs false :hasWindowFuncs false :hasTargetSRFs false"
            + " :hasSubLinks false :cteList <> :rtable ({RANGETBLENTRY :rtekind 0 :relid 16384})"
            + " :groupClause <> :groupingSets <> :distinctClause <> :limitOffset <> :limitCount <>"
            + " :setOperations <>})";

    assertThat(QueryFeatures.of(tree)).isEmpty();
  }

  @Test
  void of_emptyTree_noFeatures() {
    assertThat(QueryFeatures.of("")).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        ":hasAggs true | aggregate",
        ":hasWindowFuncs true | window function",
        ":hasTargetSRFs true | set-returning function in the select list",
        ":hasSubLinks true | subquery",
        ":groupClause ({SORTGROUPCLAUSE :tleSortGroupRef 1}) | GROUP BY",
        ":groupingSets ({GROUPINGSET :kind 3}) | grouping sets",
        ":distinctClause ({SORTGROUPCLAUSE :tleSortGroupRef 1}) | DISTINCT",
        ":limitCount {CONST :consttype 20} | LIMIT",
        ":limitOffset {CONST :consttype 20} | OFFSET",
        ":setOperations {SETOPERATIONSTMT :op 1} | set operation (UNION/INTERSECT/EXCEPT)",
        ":cteList ({COMMONTABLEEXPR :ctename x}) | WITH (common table expression)",
        "{RANGETBLENTRY :alias <> :rtekind 1 :subquery {QUERY}} | subquery in FROM",
        "{RANGETBLENTRY :alias <> :rtekind 2 :jointype 0} | join",
        "{RANGETBLENTRY :alias <> :rtekind 3 :functions ({RANGETBLFUNCTION})} | function in FROM"
      })
  void of_singleMarker_namesFeature(String tree, String feature) {
    assertThat(QueryFeatures.of(tree)).containsExactly(feature);
  }

  @Test
  void of_falseFlagsAndEmptyLists_notFeatures() {
    assertThat(
            QueryFeatures.of(
                ":hasAggs false :groupClause <> :limitCount <> :rtekind 0 :rtekind 5 :rtekind 10 "))
        .isEmpty();
  }

  @Test
  void of_rtekindWithMoreDigits_notMistakenForSingleDigit() {
    assertThat(QueryFeatures.of(":rtekind 12 :rtekind 21 :rtekind 30 ")).isEmpty();
  }

  @Test
  void of_markersSplitByNewlinesAndTabs_stillFound() {
    assertThat(QueryFeatures.of(":hasAggs\n   true :rtekind\t2\n"))
        .containsExactly("aggregate", "join");
  }

  @Test
  void of_repeatedMarker_listedOnce() {
    assertThat(QueryFeatures.of(":rtekind 2 :rtekind 2 :hasSubLinks true :hasSubLinks true"))
        .containsExactly("subquery", "join");
  }

  @Test
  void of_severalFeatures_inDeclarationOrder() {
    String tree =
        ":rtekind 3 :limitCount {CONST} :groupClause ({SORTGROUPCLAUSE}) :hasAggs true"
            + " :hasWindowFuncs true";

    assertThat(QueryFeatures.of(tree))
        .containsExactly("aggregate", "window function", "GROUP BY", "LIMIT", "function in FROM");
  }
}
