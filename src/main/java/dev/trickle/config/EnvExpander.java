package dev.trickle.config;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Expands {@code ${VAR}} and {@code ${VAR:-default}} in scalar values; <code>$${</code> is a
 * literal <code>${</code>. As in the shell, the default applies when the variable is unset or
 * empty.
 */
final class EnvExpander {

  private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private final Map<String, String> env;

  EnvExpander(Map<String, String> env) {
    this.env = Map.copyOf(env);
  }

  /**
   * Returns {@code text} with every reference replaced.
   *
   * @throws IllegalArgumentException naming the variable that is unset or the bad reference
   */
  String expand(String text) {
    if (text.indexOf('$') < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int i = 0;
    while (i < text.length()) {
      if (text.startsWith("$${", i)) {
        out.append("${");
        i += 3;
      } else if (text.startsWith("${", i)) {
        int close = text.indexOf('}', i + 2);
        if (close < 0) {
          throw new IllegalArgumentException(
              "\"${\" has no closing \"}\" (write $${ for a literal ${)");
        }
        out.append(resolve(text.substring(i + 2, close)));
        i = close + 1;
      } else {
        out.append(text.charAt(i));
        i++;
      }
    }
    return out.toString();
  }

  private String resolve(String reference) {
    int sep = reference.indexOf(":-");
    String name = sep < 0 ? reference : reference.substring(0, sep);
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "\"${" + reference + "}\" is not a variable reference (use ${NAME} or ${NAME:-default})");
    }
    String value = env.get(name);
    if (value != null && !value.isEmpty()) {
      return value;
    }
    if (sep >= 0) {
      return reference.substring(sep + 2);
    }
    if (value != null) {
      return value;
    }
    throw new IllegalArgumentException(
        "environment variable "
            + name
            + " is not set (set it, or write ${"
            + name
            + ":-default} to give a default)");
  }
}
