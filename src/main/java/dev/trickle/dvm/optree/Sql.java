package dev.trickle.dvm.optree;

import java.util.List;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** Small SQL text helpers shared by the operators. */
final class Sql {
  private Sql() {}

  /** {@code f(0), f(1), ..., f(n-1)}. */
  static String joined(int n, IntFunction<String> f) {
    return IntStream.range(0, n).mapToObj(f).collect(Collectors.joining(", "));
  }

  /** {@code alias.c0, alias.c1, ...}. */
  static String cols(String alias, int n) {
    return joined(n, i -> alias + ".c" + i);
  }

  /** {@code c0, c1, ...}. */
  static String names(int n) {
    return joined(n, i -> "c" + i);
  }

  /** {@code e0 AS c0, e1 AS c1, ...}. */
  static String as(List<String> exprs) {
    return joined(exprs.size(), i -> exprs.get(i) + " AS c" + i);
  }

  /** A select list followed by more items, with the comma only when both are non-empty. */
  static String list(String first, String rest) {
    return first.isEmpty() ? rest : rest.isEmpty() ? first : first + ", " + rest;
  }
}
