package dev.trickle.refresh;

import dev.trickle.cdc.RowChange;
import dev.trickle.cdc.SourceRelation;
import dev.trickle.cdc.WalTransaction;
import dev.trickle.cdc.pgoutput.TupleData;
import dev.trickle.model.Strategy;
import dev.trickle.model.TableRef;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns the row changes of a delta into COPY text rows (pure). KEYED deltas are the distinct set of
 * changed keys (old and new); MULTISET deltas are row images with weights, -1 for the old image and
 * +1 for the new one, where unchanged TOAST values of the new image come from the old.
 */
public final class DeltaEncoder {
  private DeltaEncoder() {}

  /**
   * The encoded delta.
   *
   * @param copyText COPY text format payload
   * @param rows number of rows in it
   */
  public record Encoded(String copyText, int rows) {}

  /**
   * Encodes the changes of one source table.
   *
   * @param strategy KEYED or MULTISET
   * @param source the source table
   * @param columns the delta table's columns in order
   * @param transactions the delta's transactions
   * @return the COPY payload
   * @throws IllegalStateException when a change lacks a value the delta needs
   */
  public static Encoded encode(
      Strategy strategy, TableRef source, List<String> columns, List<WalTransaction> transactions) {
    Set<String> keys = new LinkedHashSet<>();
    StringBuilder out = new StringBuilder();
    int rows = 0;
    for (WalTransaction tx : transactions) {
      List<RowChange> changes = tx.changes().get(source);
      if (changes == null) {
        continue;
      }
      for (RowChange c : changes) {
        if (strategy == Strategy.KEYED) {
          if (c.oldTuple() != null) {
            keys.add(row(c.relation(), columns, c.oldTuple(), null, null));
          }
          if (c.newTuple() != null) {
            keys.add(row(c.relation(), columns, c.newTuple(), c.oldTuple(), null));
          }
        } else {
          if (c.kind() != RowChange.Kind.INSERT) {
            if (c.oldTuple() == null) {
              throw new IllegalStateException(
                  "no old row image for " + source + " (needs REPLICA IDENTITY FULL)");
            }
            out.append(row(c.relation(), columns, c.oldTuple(), null, "-1"));
            rows++;
          }
          if (c.newTuple() != null) {
            out.append(row(c.relation(), columns, c.newTuple(), c.oldTuple(), "1"));
            rows++;
          }
        }
      }
    }
    if (strategy == Strategy.KEYED) {
      keys.forEach(out::append);
      rows = keys.size();
    }
    return new Encoded(out.toString(), rows);
  }

  private static String row(
      SourceRelation relation,
      List<String> columns,
      TupleData tuple,
      TupleData fallback,
      String weight) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < columns.size(); i++) {
      if (i > 0) {
        b.append('\t');
      }
      int idx = relation.indexOf(columns.get(i));
      if (idx < 0) {
        throw new IllegalStateException(
            "column "
                + columns.get(i)
                + " of "
                + relation.table()
                + " is not in the change stream");
      }
      appendValue(b, relation, columns.get(i), tuple, fallback, idx);
    }
    if (weight != null) {
      b.append('\t').append(weight);
    }
    return b.append('\n').toString();
  }

  private static void appendValue(
      StringBuilder b,
      SourceRelation relation,
      String column,
      TupleData tuple,
      TupleData fallback,
      int idx) {
    TupleData t = tuple;
    if (t.isUnchangedToast(idx)) {
      if (fallback == null || fallback.isUnchangedToast(idx) || idx >= fallback.size()) {
        throw new IllegalStateException(
            "unchanged TOAST value of "
                + relation.table()
                + "."
                + column
                + " without an old image");
      }
      t = fallback;
    }
    if (t.isNull(idx)) {
      b.append("\\N");
      return;
    }
    String v = t.text(idx);
    if (v == null) {
      throw new IllegalStateException("binary value of " + relation.table() + "." + column);
    }
    escape(b, v);
  }

  /** Appends a value escaped for COPY text format. */
  static void escape(StringBuilder b, String v) {
    for (int i = 0; i < v.length(); i++) {
      char ch = v.charAt(i);
      switch (ch) {
        case '\\' -> b.append("\\\\");
        case '\t' -> b.append("\\t");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        default -> b.append(ch);
      }
    }
  }
}
