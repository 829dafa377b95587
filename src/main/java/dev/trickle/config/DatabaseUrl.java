package dev.trickle.config;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A parsed PostgreSQL connection URL. The password never appears in {@link #toString()} nor in
 * {@link #toJdbcUrl()}.
 *
 * @param host host name or address (IPv6 without brackets)
 * @param port port, 5432 unless given
 * @param database database name
 * @param user user name
 * @param password password, or {@code null} when the URL has none (then it comes from {@code
 *     PGPASSWORD} or a file)
 * @param params the remaining query parameters, in order, without {@code user} and {@code password}
 */
public record DatabaseUrl(
    String host,
    int port,
    String database,
    String user,
    String password,
    Map<String, String> params) {

  /** Accepted forms, appended to every parse error. */
  static final String FORMS =
      "use postgresql://user[:password]@host[:port]/db[?params] or jdbc:postgresql://host[:port]/db?user=...";

  /** Checks the components. */
  public DatabaseUrl {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(user, "user");
    params = Map.copyOf(params);
    if (host.isEmpty() || database.isEmpty() || user.isEmpty()) {
      throw new IllegalArgumentException("host, database and user must not be empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be between 1 and 65535: " + port);
    }
  }

  /**
   * Parses {@code postgresql://}, {@code postgres://} and {@code jdbc:postgresql://} URLs.
   *
   * @param url the URL
   * @return the parsed URL
   * @throws IllegalArgumentException saying what is wrong; the message never quotes the URL (it may
   *     hold a password)
   */
  public static DatabaseUrl parse(String url) {
    String s = url.strip();
    boolean jdbc = s.startsWith("jdbc:postgresql://");
    String rest;
    if (jdbc) {
      rest = s.substring("jdbc:postgresql://".length());
    } else if (s.startsWith("postgresql://")) {
      rest = s.substring("postgresql://".length());
    } else if (s.startsWith("postgres://")) {
      rest = s.substring("postgres://".length());
    } else {
      throw bad("it must start with postgresql://, postgres:// or jdbc:postgresql://");
    }
    int q = rest.indexOf('?');
    Map<String, String> params = q < 0 ? new LinkedHashMap<>() : query(rest.substring(q + 1));
    String beforeQuery = q < 0 ? rest : rest.substring(0, q);
    int slash = beforeQuery.indexOf('/');
    if (slash < 0 || slash == beforeQuery.length() - 1) {
      throw bad("the database name is missing");
    }
    String database = decode(beforeQuery.substring(slash + 1));
    String authority = beforeQuery.substring(0, slash);
    int at = authority.lastIndexOf('@');
    String user = params.remove("user");
    String password = params.remove("password");
    if (at >= 0) {
      String userInfo = authority.substring(0, at);
      int colon = userInfo.indexOf(':');
      user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon));
      password = colon < 0 ? password : decode(userInfo.substring(colon + 1));
      authority = authority.substring(at + 1);
    }
    if (user == null || user.isEmpty()) {
      throw bad("the user name is missing");
    }
    return hostPort(authority, database, user, password, params);
  }

  private static DatabaseUrl hostPort(
      String authority, String database, String user, String password, Map<String, String> params) {
    String host = authority;
    String port = null;
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      if (close < 0) {
        throw bad("the IPv6 address has no closing ]");
      }
      host = authority.substring(1, close);
      String after = authority.substring(close + 1);
      if (!after.isEmpty()) {
        if (!after.startsWith(":")) {
          throw bad("unexpected text after the IPv6 address");
        }
        port = after.substring(1);
      }
    } else if (authority.indexOf(':') >= 0) {
      host = authority.substring(0, authority.indexOf(':'));
      port = authority.substring(authority.indexOf(':') + 1);
    }
    if (host.isEmpty()) {
      throw bad("the host is missing");
    }
    return new DatabaseUrl(host, port(port), database, user, password, params);
  }

  private static int port(String port) {
    if (port == null) {
      return 5432;
    }
    if (!port.matches("\\d{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
      throw bad("port \"" + port + "\" is not a number between 1 and 65535");
    }
    return Integer.parseInt(port);
  }

  private static Map<String, String> query(String query) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String pair : query.split("&", -1)) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String key = decode(eq < 0 ? pair : pair.substring(0, eq));
      params.put(key, eq < 0 ? "" : decode(pair.substring(eq + 1)));
    }
    return params;
  }

  /** Percent-decodes (RFC 3986; unlike form decoding, {@code +} stays a plus). */
  private static String decode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%') {
        if (i + 2 >= s.length()
            || Character.digit(s.charAt(i + 1), 16) < 0
            || Character.digit(s.charAt(i + 2), 16) < 0) {
          throw bad("a % escape is not followed by two hex digits");
        }
        bytes.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
        i += 2;
      } else {
        byte[] b = String.valueOf(c).getBytes(UTF_8);
        bytes.write(b, 0, b.length);
      }
    }
    return bytes.toString(UTF_8);
  }

  private static IllegalArgumentException bad(String why) {
    return new IllegalArgumentException("not a PostgreSQL URL: " + why + " (" + FORMS + ")");
  }

  /**
   * Returns {@code jdbc:postgresql://host:port/db[?params]} without user and password; pass {@link
   * #user()} and {@link #password()} as connection properties.
   */
  public String toJdbcUrl() {
    return "jdbc:postgresql://" + hostAndPort() + "/" + database + queryString(false);
  }

  /** Returns the URL in {@code postgresql://} form with the password masked as {@code ***}. */
  @Override
  public String toString() {
    return "postgresql://"
        + user
        + (password == null ? "" : ":***")
        + "@"
        + hostAndPort()
        + "/"
        + database
        + queryString(true);
  }

  private String hostAndPort() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  private String queryString(boolean mask) {
    if (params.isEmpty()) {
      return "";
    }
    return params.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .map(e -> e.getKey() + "=" + (mask && secret(e.getKey()) ? "***" : e.getValue()))
        .collect(Collectors.joining("&", "?", ""));
  }

  private static boolean secret(String key) {
    return key.toLowerCase(Locale.ROOT).contains("password");
  }
}
