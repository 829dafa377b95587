package dev.trickle.refresh;

import dev.trickle.cdc.RowChange;
import dev.trickle.cdc.SourceRelation;
import dev.trickle.cdc.WalTransaction;
import dev.trickle.cdc.pgoutput.TupleData;
import dev.trickle.model.Strategy;
import dev.trickle.model.TableRef;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Turns the row changes of a delta into what the refresh ships (pure). KEYED deltas are the
 * distinct set of changed keys (old and new), as one text array literal per key column, bound as
 * parameters of the MERGE; MULTISET deltas are COPY text rows of row images with weights, -1 for
 * the old image and +1 for the new one. Unchanged TOAST values of a new image come from the old.
 */
public final class DeltaEncoder {
  private DeltaEncoder() {}

  /**
   * The encoded delta.
   *
   * @param copyText COPY text format payload (MULTISET; empty for KEYED)
   * @param arrays one text array literal per key column, element i of each forming key i (KEYED;
   *     empty for MULTISET)
   * @param rows number of rows (MULTISET) or distinct keys (KEYED) in it
   */
  public record Encoded(String copyText, List<String> arrays, int rows) {
    /** Copies the list. */
    public Encoded {
      arrays = List.copyOf(arrays);
    }
  }

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
    Set<List<String>> keys = new LinkedHashSet<>();
    StringBuilder out = new StringBuilder();
    int rows = 0;
    for (WalTransaction tx : transactions) {
      for (RowChange c : tx.rows(source)) {
        if (strategy == Strategy.KEYED) {
          if (c.oldTuple() != null) {
            keys.add(values(c.relation(), columns, c.oldTuple(), null));
          }
          if (c.newTuple() != null) {
            keys.add(values(c.relation(), columns, c.newTuple(), c.oldTuple()));
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
      return new Encoded("", arrays(columns.size(), keys), keys.size());
    }
    return new Encoded(out.toString(), List.of(), rows);
  }

  /**
   * A piece of a delta in COPY text format.
   *
   * @param text the rows, each ending in a newline
   * @param rows how many
   */
  public record Piece(String text, int rows) {}

  /**
   * The changes of one source table as COPY text, produced piece by piece as iterated, so that a
   * delta read from spill files is never held whole in memory. MULTISET and the other row image
   * strategies: the rows of {@link #encode} (old image -1, new image +1). KEYED: one row per key a
   * change carries (its old key, when sent, and its new one), duplicates included; the server
   * removes them.
   *
   * @param strategy the strategy
   * @param source the source table
   * @param columns the delta table's columns (the key columns for KEYED)
   * @param transactions the delta's transactions
   * @param maxChars a piece ends after the row that takes it to this many characters
   * @return the pieces
   */
  public static java.util.Iterator<Piece> pieces(
      Strategy strategy,
      TableRef source,
      List<String> columns,
      List<WalTransaction> transactions,
      int maxChars) {
    java.util.Iterator<WalTransaction> txs = transactions.iterator();
    return new java.util.Iterator<>() {
      private java.util.Iterator<RowChange> rows = java.util.Collections.emptyIterator();
      private Piece next;

      @Override
      public boolean hasNext() {
        if (next == null) {
          next = fill();
        }
        return next != null;
      }

      @Override
      public Piece next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        Piece out = next;
        next = null;
        return out;
      }

      private Piece fill() {
        StringBuilder b = new StringBuilder();
        int n = 0;
        while (b.length() < maxChars) {
          while (!rows.hasNext() && txs.hasNext()) {
            rows = txs.next().rows(source).iterator();
          }
          if (!rows.hasNext()) {
            break;
          }
          n += append(b, strategy, source, columns, rows.next());
        }
        return n == 0 ? null : new Piece(b.toString(), n);
      }
    };
  }

  private static int append(
      StringBuilder b, Strategy strategy, TableRef source, List<String> columns, RowChange c) {
    int n = 0;
    if (strategy == Strategy.KEYED) {
      if (c.oldTuple() != null) {
        b.append(row(c.relation(), columns, c.oldTuple(), null, null));
        n++;
      }
      if (c.newTuple() != null) {
        b.append(row(c.relation(), columns, c.newTuple(), c.oldTuple(), null));
        n++;
      }
      return n;
    }
    if (c.kind() != RowChange.Kind.INSERT) {
      if (c.oldTuple() == null) {
        throw new IllegalStateException(
            "no old row image for " + source + " (needs REPLICA IDENTITY FULL)");
      }
      b.append(row(c.relation(), columns, c.oldTuple(), null, "-1"));
      n++;
    }
    if (c.newTuple() != null) {
      b.append(row(c.relation(), columns, c.newTuple(), c.oldTuple(), "1"));
      n++;
    }
    return n;
  }

  /** Column i of every key, as a text array literal: {@code {"1","2",NULL}}. */
  private static List<String> arrays(int width, Set<List<String>> keys) {
    List<StringBuilder> out = new ArrayList<>();
    for (int i = 0; i < width; i++) {
      out.add(new StringBuilder("{"));
    }
    for (List<String> key : keys) {
      for (int i = 0; i < width; i++) {
        StringBuilder b = out.get(i);
        if (b.length() > 1) {
          b.append(',');
        }
        String v = key.get(i);
        if (v == null) {
          b.append("NULL");
        } else {
          b.append('"');
          for (int j = 0; j < v.length(); j++) {
            char ch = v.charAt(j);
            if (ch == '"' || ch == '\\') {
              b.append('\\');
            }
            b.append(ch);
          }
          b.append('"');
        }
      }
    }
    List<String> literals = new ArrayList<>();
    out.forEach(b -> literals.add(b.append('}').toString()));
    return literals;
  }

  /** The tuple's values of the given columns, as text (null for SQL NULL). */
  private static List<String> values(
      SourceRelation relation, List<String> columns, TupleData tuple, TupleData fallback) {
    List<String> out = new ArrayList<>(columns.size());
    for (String column : columns) {
      out.add(value(relation, column, tuple, fallback, index(relation, column)));
    }
    return out;
  }

  private static int index(SourceRelation relation, String column) {
    int idx = relation.indexOf(column);
    if (idx < 0) {
      throw new IllegalStateException(
          "column " + column + " of " + relation.table() + " is not in the change stream");
    }
    return idx;
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
      String v = value(relation, columns.get(i), tuple, fallback, index(relation, columns.get(i)));
      if (v == null) {
        b.append("\\N");
      } else {
        escape(b, v);
      }
    }
    if (weight != null) {
      b.append('\t').append(weight);
    }
    return b.append('\n').toString();
  }

  private static String value(
      SourceRelation relation, String column, TupleData tuple, TupleData fallback, int idx) {
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
      return null;
    }
    String v = t.text(idx);
    if (v == null) {
      throw new IllegalStateException("binary value of " + relation.table() + "." + column);
    }
    return v;
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
