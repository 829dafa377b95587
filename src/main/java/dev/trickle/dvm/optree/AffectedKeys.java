package dev.trickle.dvm.optree;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The delta rule of the operators that are not linear: find the key values (group keys, join keys
 * or whole rows) that the input deltas touch, restrict each input to them, evaluate the operator
 * over the restricted inputs as they are now and as they were before (now minus the delta), and
 * emit the new rows with weight +1 and the old ones with -1. Rows whose keys no delta touched are
 * the same before and after, so they are never read. Keys are compared as GROUP BY compares them:
 * NULL matches NULL.
 */
final class AffectedKeys {
  private AffectedKeys() {}

  /** The key list meaning "every column": {@code x.c0..x.c(width-1)}. */
  static List<String> allColumns(int width) {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < width; i++) {
      keys.add("x.c" + i);
    }
    return keys;
  }

  /**
   * The delta of {@code op}.
   *
   * @param ctx the statement's common table expressions
   * @param op the operator
   * @param children its inputs
   * @param keys per input, the key expressions over {@code x.c..}; all lists have the same length,
   *     and empty lists mean one global group (recomputed whenever any input changed)
   * @return SQL of the delta Z-set
   */
  static String delta(
      DeltaContext ctx, DeltaOperator op, List<Rel> children, List<List<String>> keys) {
    List<String> now = new ArrayList<>();
    List<String> before = new ArrayList<>();
    String gate = "";
    int m = keys.get(0).size();
    if (m == 0) {
      for (Rel child : children) {
        now.add(child.state());
        before.add(old(child.state(), child));
      }
      gate =
          " WHERE "
              + children.stream()
                  .map(c -> "EXISTS (SELECT 1 FROM " + c.delta() + ")")
                  .collect(Collectors.joining(" OR "));
    } else {
      List<String> touched = new ArrayList<>();
      for (int i = 0; i < children.size(); i++) {
        List<String> k = keys.get(i);
        touched.add(
            "SELECT "
                + Sql.joined(m, j -> k.get(j) + " AS k" + j)
                + " FROM "
                + children.get(i).delta()
                + " x");
      }
      String keySet =
          ctx.cte("SELECT DISTINCT u.* FROM (" + String.join(" UNION ALL ", touched) + ") u");
      for (int i = 0; i < children.size(); i++) {
        Rel child = children.get(i);
        String restricted = ctx.cte(restrict(child.state(), keys.get(i), keySet));
        now.add("SELECT * FROM " + restricted);
        before.add(old("SELECT * FROM " + restricted, child));
      }
    }
    return "SELECT n.*, 1::bigint AS __pgt_w FROM ("
        + op.state(now)
        + ") n"
        + gate
        + " UNION ALL SELECT o.*, -1::bigint AS __pgt_w FROM ("
        + op.state(before)
        + ") o"
        + gate;
  }

  /** The rows of {@code state} whose keys are in {@code keySet} (NULL matching NULL). */
  private static String restrict(String state, List<String> keys, String keySet) {
    int m = keys.size();
    String ks = Sql.joined(m, j -> "k" + j);
    List<String> nullKey = new ArrayList<>();
    List<String> nullExpr = new ArrayList<>();
    List<String> same = new ArrayList<>();
    for (int j = 0; j < m; j++) {
      nullKey.add("k" + j + " IS NULL");
      nullExpr.add("(" + keys.get(j) + ") IS NULL");
      same.add("k.k" + j + " IS NOT DISTINCT FROM (" + keys.get(j) + ")");
    }
    String anyNullKey = String.join(" OR ", nullKey);
    String anyNull = String.join(" OR ", nullExpr);
    String sameKeys = String.join(" AND ", same);
    // non-NULL keys: a semi-join the planner can hash or drive through an index
    return "SELECT x.* FROM ("
        + state
        + ") x WHERE ("
        + String.join(", ", keys)
        + ") IN (SELECT "
        + ks
        + " FROM "
        + keySet
        + ")"
        // keys with a NULL: only read when the key set holds one (a one-time filter)
        + " UNION ALL SELECT x.* FROM ("
        + state
        + ") x WHERE EXISTS (SELECT 1 FROM "
        + keySet
        + " WHERE "
        + anyNullKey
        + ") AND ("
        + anyNull
        + ") AND EXISTS (SELECT 1 FROM "
        + keySet
        + " k WHERE "
        + sameKeys
        + ")";
  }

  /** The child's rows before the delta: its current rows minus the delta, as a bag. */
  private static String old(String state, Rel child) {
    int w = child.width();
    String grouping = w == 0 ? "" : " GROUP BY " + Sql.names(w);
    return "SELECT "
        + Sql.cols("g", w)
        + " FROM (SELECT "
        + Sql.list(Sql.names(w), "sum(u.__pgt_w) AS __pgt_w")
        + " FROM (SELECT s.*, 1::bigint AS __pgt_w FROM ("
        + state
        + ") s UNION ALL SELECT "
        + Sql.list(Sql.cols("d", w), "-d.__pgt_w")
        + " FROM "
        + child.delta()
        + " d) u"
        + grouping
        + ") g CROSS JOIN LATERAL generate_series(1, g.__pgt_w) AS __pgt_n(n)";
  }
}
