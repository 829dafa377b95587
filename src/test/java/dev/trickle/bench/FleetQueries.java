package dev.trickle.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The fleet benchmark's stream tables: scans, filters, GROUP BY aggregates, joins and join
 * aggregates over the bank schema, handed out in a fixed pattern, every query different.
 */
final class FleetQueries {
  /** Families of stream tables, in the order they are handed out within each block of 20. */
  private static final String[] PATTERN = {
    "scan", "filter", "agg", "join", "joinagg", "filter", "agg", "filter", "join", "joinagg",
    "scan", "filter", "agg", "joinagg", "filter", "agg", "join", "filter", "agg", "joinagg"
  };

  private FleetQueries() {}

  /** One stream table: its name, family and defining query. */
  record Def(String name, String family, String query) {}

  /** The first {@code n} stream tables of the fleet; every query differs from the others. */
  static List<Def> definitions(int n) {
    Map<String, Integer> seen = new HashMap<>();
    Set<String> queries = new HashSet<>();
    List<Def> defs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String family = PATTERN[i % PATTERN.length];
      int v = seen.merge(family, 1, Integer::sum) - 1;
      String query =
          switch (family) {
            case "scan" -> scan(v);
            case "filter" -> filter(v);
            case "agg" -> aggregate(v);
            case "join" -> join(v);
            default -> joinAggregate(v);
          };
      if (!queries.add(query)) {
        throw new IllegalStateException("duplicate query " + query);
      }
      defs.add(new Def(String.format(Locale.ROOT, "fleet_%03d_%s", i + 1, family), family, query));
    }
    return defs;
  }

  private static String scan(int v) {
    String[] plain = {
      "SELECT id, branch_id, owner, balance, status FROM accounts",
      "SELECT id, src_account, dst_account, amount, kind FROM transfers",
      "SELECT id, category, name, price FROM products",
      "SELECT id, account_id, product_id, qty, status FROM orders",
      "SELECT id, region, name FROM branches"
    };
    String[] projected = {
      "SELECT id, upper(owner) AS owner, balance * 100 AS cents, status FROM accounts",
      "SELECT id, amount, kind, amount * 0.01 AS fee FROM transfers",
      "SELECT id, name || ' #' || category::text AS label, price FROM products",
      "SELECT id, qty * 2 AS double_qty, status FROM orders",
      "SELECT id, lower(name) AS name, region + 1 AS region1 FROM branches"
    };
    int t = v % 5;
    int w = v / 5;
    return switch (w) {
      case 0 -> plain[t];
      case 1 -> projected[t];
      default -> plain[t] + " WHERE id % " + w + " <> 1";
    };
  }

  private static String filter(int v) {
    int w = v / 3;
    return switch (v % 3) {
      case 0 ->
          "SELECT id, src_account, dst_account, amount FROM transfers WHERE kind = "
              + w % 8
              + " AND amount >= "
              + w * 500;
      case 1 ->
          "SELECT id, owner, balance FROM accounts WHERE status = '"
              + FleetBenchmark.STATUSES[w % 3]
              + "' AND balance >= "
              + w * 1000;
      default ->
          "SELECT id, account_id, product_id, qty FROM orders WHERE status = "
              + w % 5
              + " AND qty >= "
              + (1 + w / 2);
    };
  }

  private static String aggregate(int v) {
    int w = v / 5;
    return switch (v % 5) {
      case 0 ->
          "SELECT kind, count(*) AS n, sum(amount) AS total, avg(amount) AS mean FROM transfers"
              + " WHERE amount >= "
              + w * 1000
              + " GROUP BY kind";
      case 1 ->
          "SELECT branch_id, count(*) AS n, sum(balance) AS total, min(balance) AS lowest,"
              + " max(balance) AS highest FROM accounts WHERE status <> 'closed' AND balance >= "
              + w * 500
              + " GROUP BY branch_id";
      case 2 ->
          "SELECT product_id, count(*) AS n, sum(qty) AS units FROM orders WHERE status = "
              + w % 5
              + " AND qty >= "
              + (1 + w / 5)
              + " GROUP BY product_id";
      case 3 ->
          "SELECT src_account % "
              + (10 + w)
              + " AS bucket, count(*) AS n, sum(amount) AS total FROM transfers GROUP BY"
              + " src_account % "
              + (10 + w);
      default ->
          "SELECT category, count(*) AS n, avg(price) AS mean_price, max(price) AS top_price"
              + " FROM products WHERE price >= "
              + w * 20
              + " GROUP BY category";
    };
  }

  private static String join(int v) {
    int w = v / 3;
    return switch (v % 3) {
      case 0 ->
          "SELECT o.id, o.qty, p.name, p.price FROM orders o JOIN products p ON p.id ="
              + " o.product_id WHERE p.category = "
              + w % 20
              + " AND o.qty >= "
              + (1 + w / 20);
      case 1 ->
          "SELECT t.id, t.amount, a.owner, a.status FROM transfers t JOIN accounts a ON a.id ="
              + " t.src_account WHERE t.kind = "
              + w % 8
              + " AND t.amount >= "
              + (w / 8) * 1000;
      default ->
          "SELECT a.id, a.balance, b.name, b.region FROM accounts a JOIN branches b ON b.id ="
              + " a.branch_id WHERE b.region = "
              + w % 10
              + " AND a.balance >= "
              + (w / 10) * 1000;
    };
  }

  private static String joinAggregate(int v) {
    int w = v / 5;
    return switch (v % 5) {
      case 0 ->
          "SELECT p.category, count(*) AS n, sum(o.qty) AS units FROM orders o JOIN products p"
              + " ON p.id = o.product_id WHERE o.status = "
              + w % 5
              + " AND o.qty >= "
              + (1 + w / 5)
              + " GROUP BY p.category";
      case 1 ->
          "SELECT b.region, count(*) AS n, sum(t.amount) AS total FROM transfers t JOIN accounts"
              + " a ON a.id = t.src_account JOIN branches b ON b.id = a.branch_id WHERE t.kind = "
              + w % 8
              + " AND t.amount >= "
              + (w / 8) * 1000
              + " GROUP BY b.region";
      case 2 ->
          "SELECT a.branch_id, count(*) AS n, sum(t.amount) AS total, max(t.amount) AS largest"
              + " FROM transfers t JOIN accounts a ON a.id = t.dst_account WHERE t.amount >= "
              + w * 1000
              + " GROUP BY a.branch_id";
      case 3 ->
          "SELECT b.region, a.status, count(*) AS n, sum(a.balance) AS total FROM accounts a"
              + " JOIN branches b ON b.id = a.branch_id WHERE a.balance >= "
              + w * 1000
              + " GROUP BY b.region, a.status";
      default ->
          "SELECT p.category, count(DISTINCT o.account_id) AS buyers, count(*) AS n FROM orders"
              + " o JOIN products p ON p.id = o.product_id WHERE o.status = "
              + w % 5
              + " AND o.qty >= "
              + (1 + w / 5)
              + " GROUP BY p.category";
    };
  }
}
