package dev.trickle.dvm;

import dev.trickle.model.TableRef;
import dev.trickle.model.UserError;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Asks the server what a defining query means: it creates the query as a temporary view inside a
 * transaction that is always rolled back, and reads the view's columns, the tables it depends on
 * and the functions its parse tree calls. The server is the authority on SQL; nothing is left
 * behind.
 */
public final class QueryProbe {
  private static final Pattern FUNC_OIDS = Pattern.compile(":(?:funcid|opfuncid) (\\d+)");
  private static final Pattern AGG_OIDS = Pattern.compile(":aggfnoid (\\d+)");
  static final String PROBE_VIEW = "__pgt_probe";
  private static final String PROBE_PREFIX = "CREATE TEMP VIEW " + PROBE_VIEW + " AS ";

  private QueryProbe() {}

  /**
   * Probes a query.
   *
   * @param conn an open connection in autocommit mode
   * @param stName the stream table, for error messages
   * @param query the defining query
   * @return what the server says about it
   * @throws UserError when the server rejects the query
   * @throws SQLException on other database failures
   */
  public static ProbeResult probe(Connection conn, String stName, String query)
      throws SQLException {
    boolean auto = conn.getAutoCommit();
    conn.setAutoCommit(false);
    try {
      return probeInTransaction(conn, stName, query);
    } finally {
      conn.rollback();
      conn.setAutoCommit(auto);
    }
  }

  /**
   * Probes a query inside the caller's transaction (which the caller must roll back).
   *
   * @param conn a connection inside a transaction
   * @param stName the stream table, for error messages
   * @param query the defining query
   * @return what the server says about it
   * @throws SQLException on database failures other than a rejected query
   */
  public static ProbeResult probeInTransaction(Connection conn, String stName, String query)
      throws SQLException {
    String trimmed = stripTrailingSemicolons(query);
    try (Statement st = conn.createStatement()) {
      st.execute("SAVEPOINT __pgt_probe_sp");
      try {
        st.execute(PROBE_PREFIX + trimmed);
      } catch (PSQLException e) {
        st.execute("ROLLBACK TO SAVEPOINT __pgt_probe_sp");
        throw new UserError("stream table " + stName + ": query: " + describe(e, trimmed));
      }
    }
    List<Column> columns = outputColumns(conn);
    List<SourceTable> sources = new ArrayList<>();
    for (long oid : dependencies(conn)) {
      sources.add(sourceTable(conn, stName, oid));
    }
    List<String> volatiles = new ArrayList<>();
    List<String> stables = new ArrayList<>();
    String tree = parseTree(conn);
    functions(conn, tree, volatiles, stables);
    return new ProbeResult(
        columns,
        sources,
        volatiles,
        stables,
        QueryFeatures.of(tree),
        canonicalText(conn),
        aggregates(conn, tree));
  }

  /**
   * Whether the server reads a query as printed back by a parser the same as the canonical text of
   * the original: both as views, compared by {@code pg_get_viewdef}. Call inside the probe's
   * transaction; leaves nothing behind.
   *
   * @param conn a connection inside a transaction
   * @param parsed the query as the parser printed it
   * @param canonical the original's canonical text
   * @return whether they mean the same
   * @throws SQLException on database failures other than a rejected query
   */
  public static boolean readsTheSame(Connection conn, String parsed, String canonical)
      throws SQLException {
    try (Statement st = conn.createStatement()) {
      st.execute("SAVEPOINT __pgt_reparse_sp");
      try {
        st.execute("CREATE TEMP VIEW __pgt_reparse AS " + parsed);
        try (ResultSet rs =
            st.executeQuery("SELECT pg_get_viewdef('__pgt_reparse'::regclass, false)")) {
          rs.next();
          return stripTrailingSemicolons(rs.getString(1)).equals(canonical);
        }
      } catch (PSQLException e) {
        return false;
      } finally {
        st.execute("ROLLBACK TO SAVEPOINT __pgt_reparse_sp");
      }
    }
  }

  /** Removes trailing semicolons and whitespace a user may have typed. */
  public static String stripTrailingSemicolons(String query) {
    String q = query.strip();
    while (q.endsWith(";")) {
      q = q.substring(0, q.length() - 1).strip();
    }
    return q;
  }

  private static String describe(PSQLException e, String query) {
    ServerErrorMessage m = e.getServerErrorMessage();
    if (m == null) {
      return firstLine(e.getMessage());
    }
    String text = m.getMessage();
    int pos = m.getPosition() - PROBE_PREFIX.length();
    if (pos > 0 && pos <= query.length()) {
      int line = 1;
      int col = 1;
      for (int i = 0; i < pos - 1; i++) {
        if (query.charAt(i) == '\n') {
          line++;
          col = 1;
        } else {
          col++;
        }
      }
      text += " (query line " + line + ", column " + col + ")";
    }
    return text;
  }

  /**
   * The same sources as the server has them now, matched by name: their OIDs and, per read column,
   * its number and type. A stream table is planned before the stream tables it reads are created
   * (their tables exist only in the rolled-back planning transaction then), so what it reads of
   * them is bound to the real tables once they exist. A source or column not found keeps what was
   * planned (the next check reports it).
   *
   * @param conn a connection
   * @param planned the planned schema
   * @return the schema bound to the current tables
   * @throws SQLException on database failures
   */
  public static SourceSchema rebind(Connection conn, SourceSchema planned) throws SQLException {
    List<SourceSchema.Source> out = new ArrayList<>();
    try (java.sql.PreparedStatement ps =
        conn.prepareStatement(
            "SELECT c.oid::bigint, a.attnum, format_type(a.atttypid, a.atttypmod) FROM pg_class c"
                + " LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = ? AND a.attnum"
                + " > 0 AND NOT a.attisdropped WHERE c.oid = to_regclass(?)")) {
      for (SourceSchema.Source s : planned.sources()) {
        long oid = s.oid();
        List<SourceSchema.ReadColumn> columns = new ArrayList<>();
        for (SourceSchema.ReadColumn col : s.columns()) {
          ps.setString(1, col.name());
          ps.setString(2, s.table().quoted());
          try (ResultSet rs = ps.executeQuery()) {
            if (rs.next() && rs.getString(3) != null) {
              oid = rs.getLong(1);
              columns.add(new SourceSchema.ReadColumn(rs.getInt(2), col.name(), rs.getString(3)));
            } else {
              columns.add(col);
            }
          }
        }
        if (s.columns().isEmpty()) {
          try (java.sql.PreparedStatement one =
              conn.prepareStatement("SELECT to_regclass(?)::oid::bigint")) {
            one.setString(1, s.table().quoted());
            try (ResultSet rs = one.executeQuery()) {
              if (rs.next() && rs.getObject(1) != null) {
                oid = rs.getLong(1);
              }
            }
          }
        }
        out.add(new SourceSchema.Source(s.table(), oid, columns));
      }
    }
    return new SourceSchema(out);
  }

  /**
   * What the probed query reads of its sources, for noticing later changes to them ({@link
   * SourceSchema}): each source's OID and the columns the query refers to (the view's column
   * dependencies), plus the primary key's columns when {@code withKeys}. Call inside the probe's
   * transaction, after {@link #probeInTransaction}.
   *
   * @param conn the probe's connection, inside its transaction
   * @param withKeys whether the stream table also reads its source's key (it keeps a copy)
   * @return the sources in OID order, as {@link ProbeResult#sources()}
   * @throws SQLException on database failures
   */
  public static SourceSchema sourceSchema(Connection conn, boolean withKeys) throws SQLException {
    String deps =
        "SELECT d.refobjid, d.refobjsubid FROM pg_rewrite r JOIN pg_depend d ON d.classid ="
            + " 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass"
            + " AND d.refobjid <> r.ev_class WHERE r.ev_class = '"
            + PROBE_VIEW
            + "'::regclass";
    java.util.Map<Long, TableRef> names = new java.util.LinkedHashMap<>();
    java.util.Map<Long, List<SourceSchema.ReadColumn>> columns = new java.util.HashMap<>();
    try (Statement st = conn.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT c.oid::bigint, n.nspname, c.relname, a.attnum, a.attname,"
                    + " format_type(a.atttypid, a.atttypmod) FROM pg_class c JOIN pg_namespace n"
                    + " ON n.oid = c.relnamespace LEFT JOIN pg_attribute a ON a.attrelid = c.oid"
                    + " AND a.attnum > 0 AND NOT a.attisdropped AND ((c.oid, a.attnum) IN ("
                    + deps
                    + ") OR ("
                    + withKeys
                    + " AND a.attnum = ANY (SELECT unnest(i.indkey) FROM pg_index i WHERE"
                    + " i.indrelid = c.oid AND i.indisprimary))) WHERE c.oid IN (SELECT refobjid"
                    + " FROM ("
                    + deps
                    + ") x) ORDER BY 1, 4")) {
      while (rs.next()) {
        long oid = rs.getLong(1);
        if (!names.containsKey(oid)) {
          names.put(oid, new TableRef(rs.getString(2), rs.getString(3)));
          columns.put(oid, new ArrayList<>());
        }
        if (rs.getString(5) != null) {
          columns
              .get(oid)
              .add(new SourceSchema.ReadColumn(rs.getInt(4), rs.getString(5), rs.getString(6)));
        }
      }
    }
    List<SourceSchema.Source> sources = new ArrayList<>();
    names.forEach((oid, name) -> sources.add(new SourceSchema.Source(name, oid, columns.get(oid))));
    return new SourceSchema(sources);
  }

  private static List<Column> outputColumns(Connection conn) throws SQLException {
    List<Column> out = new ArrayList<>();
    try (Statement st = conn.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid"
                    + " = '"
                    + PROBE_VIEW
                    + "'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
      while (rs.next()) {
        out.add(new Column(rs.getString(1), rs.getString(2)));
      }
    }
    return out;
  }

  private static Set<Long> dependencies(Connection conn) throws SQLException {
    Set<Long> oids = new LinkedHashSet<>();
    try (Statement st = conn.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT DISTINCT d.refobjid::bigint FROM pg_rewrite r JOIN pg_depend d ON d.classid"
                    + " = 'pg_rewrite'::regclass AND d.objid = r.oid AND d.refclassid ="
                    + " 'pg_class'::regclass AND d.refobjid <> r.ev_class WHERE r.ev_class = '"
                    + PROBE_VIEW
                    + "'::regclass ORDER BY 1")) {
      while (rs.next()) {
        oids.add(rs.getLong(1));
      }
    }
    return oids;
  }

  private static SourceTable sourceTable(Connection conn, String stName, long oid)
      throws SQLException {
    TableRef ref;
    char kind;
    char identity;
    long rows;
    boolean owned;
    try (PreparedStatement ps =
        conn.prepareStatement(
            "SELECT n.nspname, c.relname, c.relkind, c.relreplident, c.reltuples::bigint,"
                + " pg_has_role(c.relowner, 'USAGE') FROM"
                + " pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid ="
                + " ?::oid")) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        ref = new TableRef(rs.getString(1), rs.getString(2));
        kind = rs.getString(3).charAt(0);
        identity = rs.getString(4).charAt(0);
        rows = rs.getLong(5);
        owned = rs.getBoolean(6);
      }
    }
    if (kind != 'r' && kind != 'p') {
      throw new UserError(
          "stream table "
              + stName
              + ": source "
              + ref
              + " is a "
              + relkindName(kind)
              + "; stream tables read changes from ordinary tables only");
    }
    return new SourceTable(
        ref, tableColumns(conn, oid), keyColumns(conn, oid), identity, rows, owned);
  }

  private static List<Column> tableColumns(Connection conn, long oid) throws SQLException {
    List<Column> out = new ArrayList<>();
    try (PreparedStatement ps =
        conn.prepareStatement(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid ="
                + " ?::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum")) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Column(rs.getString(1), rs.getString(2)));
        }
      }
    }
    return out;
  }

  private static List<Column> keyColumns(Connection conn, long oid) throws SQLException {
    List<Column> out = new ArrayList<>();
    try (PreparedStatement ps =
        conn.prepareStatement(
            "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_index i JOIN"
                + " pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) WHERE"
                + " i.indrelid = ?::oid AND i.indisprimary ORDER BY array_position(i.indkey::int2[],"
                + " a.attnum)")) {
      ps.setLong(1, oid);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(new Column(rs.getString(1), rs.getString(2)));
        }
      }
    }
    return out;
  }

  private static String parseTree(Connection conn) throws SQLException {
    try (Statement st = conn.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT string_agg(ev_action::text, ' ') FROM pg_rewrite WHERE ev_class = '"
                    + PROBE_VIEW
                    + "'::regclass")) {
      rs.next();
      String tree = rs.getString(1);
      return tree == null ? "" : tree;
    }
  }

  private static String canonicalText(Connection conn) throws SQLException {
    try (Statement st = conn.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT pg_get_viewdef('" + PROBE_VIEW + "'::regclass, false)")) {
      rs.next();
      return stripTrailingSemicolons(rs.getString(1));
    }
  }

  private static List<String> aggregates(Connection conn, String tree) throws SQLException {
    Set<Long> oids = new LinkedHashSet<>();
    Matcher m = AGG_OIDS.matcher(tree);
    while (m.find()) {
      oids.add(Long.parseLong(m.group(1)));
    }
    List<String> out = new ArrayList<>();
    if (oids.isEmpty()) {
      return out;
    }
    try (PreparedStatement ps =
        conn.prepareStatement(
            "SELECT DISTINCT lower(proname) FROM pg_proc WHERE oid = ANY (?::oid[]) ORDER BY 1")) {
      ps.setArray(1, conn.createArrayOf("bigint", oids.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    }
    return out;
  }

  private static void functions(
      Connection conn, String tree, List<String> volatiles, List<String> stables)
      throws SQLException {
    Set<Long> oids = new LinkedHashSet<>();
    Matcher m = FUNC_OIDS.matcher(tree);
    while (m.find()) {
      oids.add(Long.parseLong(m.group(1)));
    }
    if (oids.isEmpty()) {
      return;
    }
    try (PreparedStatement ps =
        conn.prepareStatement(
            "SELECT DISTINCT proname, provolatile FROM pg_proc WHERE oid = ANY (?::oid[]) AND"
                + " provolatile <> 'i' ORDER BY 1")) {
      ps.setArray(1, conn.createArrayOf("bigint", oids.toArray()));
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          String name = rs.getString(1) + "()";
          if ("v".equals(rs.getString(2))) {
            volatiles.add(name);
          } else {
            stables.add(name);
          }
        }
      }
    }
  }

  private static String relkindName(char kind) {
    return switch (kind) {
      case 'v' -> "view";
      case 'm' -> "materialized view";
      case 'f' -> "foreign table";
      default -> String.format(Locale.ROOT, "relation of kind '%s'", kind);
    };
  }

  private static String firstLine(String s) {
    return s == null ? "" : s.lines().findFirst().orElse(s);
  }
}
