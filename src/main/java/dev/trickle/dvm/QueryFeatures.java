package dev.trickle.dvm;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads, from the server's parse tree of a query ({@code pg_rewrite.ev_action} as text), which
 * constructs it uses beyond scan, filter and projection.
 */
final class QueryFeatures {
  private static final List<Feature> FEATURES =
      List.of(
          new Feature(":hasAggs true", "aggregate"),
          new Feature(":hasWindowFuncs true", "window function"),
          new Feature(":hasTargetSRFs true", "set-returning function in the select list"),
          new Feature(":hasSubLinks true", "subquery"),
          new Feature(":groupClause (", "GROUP BY"),
          new Feature(":groupingSets (", "grouping sets"),
          new Feature(":distinctClause (", "DISTINCT"),
          new Feature(":limitCount {", "LIMIT"),
          new Feature(":limitOffset {", "OFFSET"),
          new Feature(":setOperations {", "set operation (UNION/INTERSECT/EXCEPT)"),
          new Feature(":cteList (", "WITH (common table expression)"),
          new Feature(":rtekind 1 ", "subquery in FROM"),
          new Feature(":rtekind 2 ", "join"),
          new Feature(":rtekind 3 ", "function in FROM"));

  private record Feature(String marker, String name) {}

  private static final Pattern SPACES = Pattern.compile("\\s+");

  private QueryFeatures() {}

  static List<String> of(String tree) {
    String t = SPACES.matcher(tree).replaceAll(" ");
    List<String> out = new ArrayList<>();
    for (Feature f : FEATURES) {
      if (t.contains(f.marker()) && !out.contains(f.name())) {
        out.add(f.name());
      }
    }
    return out;
  }
}
