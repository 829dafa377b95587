package dev.trickle.dvm;

import java.util.Optional;

/**
 * A generated delta statement taken apart around its MERGE, so that a large delta can be merged in
 * chunks (pure): {@code [with] MERGE INTO target t USING source [s] tail[; after]}. The delta
 * statements of every strategy have this form; {@code source} is a common table expression's name
 * or a parenthesized query, {@code tail} starts at the MERGE's {@code ON}, and {@code after} holds
 * statements that run once after it (the MIN/MAX rescan).
 *
 * @param with the common table expressions before the MERGE ({@code WITH ... }), or empty
 * @param target the stream table, quoted
 * @param source the MERGE's source as written
 * @param tail from {@code ON} to the end of the MERGE; the source is known as {@code s} there
 * @param after statements to run once after the MERGE, or empty
 */
public record MergeParts(String with, String target, String source, String tail, String after) {
  private static final String MERGE = "MERGE INTO ";
  private static final String USING = " t USING ";

  /**
   * Takes a delta statement apart.
   *
   * @param sql the statement(s), as generated
   * @return the parts, or empty when the text has no MERGE of the expected form
   */
  public static Optional<MergeParts> of(String sql) {
    int merge = topLevel(sql, MERGE, 0);
    if (merge < 0) {
      return Optional.empty();
    }
    int using = topLevel(sql, USING, merge);
    if (using < 0) {
      return Optional.empty();
    }
    String target = sql.substring(merge + MERGE.length(), using);
    int sourceStart = using + USING.length();
    int sourceEnd;
    if (sql.charAt(sourceStart) == '(') {
      sourceEnd = closing(sql, sourceStart) + 1;
    } else {
      sourceEnd = sql.indexOf(' ', sourceStart);
    }
    if (sourceEnd <= sourceStart) {
      return Optional.empty();
    }
    String source = sql.substring(sourceStart, sourceEnd);
    int tailStart = sourceEnd;
    if (sql.startsWith(" s ON ", tailStart)) {
      tailStart += 2;
    }
    if (!sql.startsWith(" ON ", tailStart)) {
      return Optional.empty();
    }
    int end = topLevel(sql, ";", tailStart);
    String tail = end < 0 ? sql.substring(tailStart) : sql.substring(tailStart, end);
    String after = end < 0 ? "" : sql.substring(end + 1).strip();
    return Optional.of(new MergeParts(sql.substring(0, merge), target, source, tail, after));
  }

  /**
   * The statement that materializes the MERGE's source once, numbered from 1.
   *
   * @param table the temp table to create
   * @return the statement (with the delta statement's parameters, if any)
   */
  public String materialize(String table) {
    return "CREATE TEMP TABLE "
        + table
        + " AS "
        + with
        + "SELECT row_number() OVER () AS __pgt_rn, x.* FROM "
        + source
        + " x";
  }

  /**
   * The MERGE of one chunk of the materialized source: rows {@code from < __pgt_rn <= to}.
   *
   * @param table the materialized source
   * @param from the chunk's start (exclusive)
   * @param to the chunk's end (inclusive)
   * @return the statement
   */
  public String chunk(String table, long from, long to) {
    return "MERGE INTO "
        + target
        + " t USING (SELECT * FROM "
        + table
        + " WHERE __pgt_rn > "
        + from
        + " AND __pgt_rn <= "
        + to
        + ") s"
        + tail;
  }

  /** Where {@code token} first occurs from {@code from} outside quotes and parentheses. */
  private static int topLevel(String sql, String token, int from) {
    int depth = 0;
    for (int i = from; i < sql.length(); i++) {
      char ch = sql.charAt(i);
      if (ch == '\'' || ch == '"') {
        i = skipQuoted(sql, i);
      } else if (ch == '(') {
        depth++;
      } else if (ch == ')') {
        depth--;
      } else if (depth == 0 && sql.startsWith(token, i)) {
        return i;
      }
    }
    return -1;
  }

  /** The parenthesis closing the one at {@code open}. */
  private static int closing(String sql, int open) {
    int depth = 0;
    for (int i = open; i < sql.length(); i++) {
      char ch = sql.charAt(i);
      if (ch == '\'' || ch == '"') {
        i = skipQuoted(sql, i);
      } else if (ch == '(') {
        depth++;
      } else if (ch == ')' && --depth == 0) {
        return i;
      }
    }
    return -1;
  }

  /** The index of the quote closing the quoted text starting at {@code start}. */
  private static int skipQuoted(String sql, int start) {
    char quote = sql.charAt(start);
    for (int i = start + 1; i < sql.length(); i++) {
      if (sql.charAt(i) == quote) {
        if (i + 1 < sql.length() && sql.charAt(i + 1) == quote) {
          i++; // a doubled quote stands for itself
        } else {
          return i;
        }
      }
    }
    return sql.length();
  }
}
