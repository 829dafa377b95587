package dev.trickle.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds a password in the text of a PostgreSQL password file ({@code ~/.pgpass} or {@code
 * PGPASSFILE}): lines {@code hostname:port:database:username:password}, {@code *} matching
 * anything, {@code \:} and {@code \\} escaping, {@code #} starting a comment; the first matching
 * line wins, as libpq does. Pure.
 */
public final class PgPass {
  private PgPass() {}

  /**
   * Looks a password up.
   *
   * @param content the file's text
   * @param url the connection whose password is wanted
   * @return the password of the first matching line
   */
  public static Optional<String> lookup(String content, DatabaseUrl url) {
    for (String line : (Iterable<String>) content.lines()::iterator) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      List<String> f = fields(line);
      if (f.size() == 5
          && matches(f.get(0), url.host())
          && matches(f.get(1), Integer.toString(url.port()))
          && matches(f.get(2), url.database())
          && matches(f.get(3), url.user())) {
        return Optional.of(f.get(4));
      }
    }
    return Optional.empty();
  }

  private static boolean matches(String pattern, String value) {
    return pattern.equals("*") || pattern.equals(value);
  }

  private static List<String> fields(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\' && i + 1 < line.length()) {
        cur.append(line.charAt(++i));
      } else if (c == ':' && out.size() < 4) {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    out.add(cur.toString());
    return out;
  }
}
