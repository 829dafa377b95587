package dev.trickle.model;

import java.util.Objects;

/**
 * A schema-qualified table name.
 *
 * @param schema the schema
 * @param name the table name
 */
public record TableRef(String schema, String name) {
  /** Validates both parts. */
  public TableRef {
    Objects.requireNonNull(schema, "schema");
    Objects.requireNonNull(name, "name");
    if (schema.isEmpty() || name.isEmpty()) {
      throw new IllegalArgumentException("empty table name part: " + schema + "." + name);
    }
  }

  /** The name quoted for SQL, e.g. {@code "public"."orders"}. */
  public String quoted() {
    return quoteIdent(schema) + "." + quoteIdent(name);
  }

  /**
   * Quotes an identifier for SQL, doubling embedded quotes.
   *
   * @param ident the raw identifier
   * @return the quoted identifier
   */
  public static String quoteIdent(String ident) {
    return "\"" + ident.replace("\"", "\"\"") + "\"";
  }

  /**
   * Quotes a string literal for SQL, doubling embedded quotes.
   *
   * @param value the raw value
   * @return the quoted literal
   */
  public static String quoteLiteral(String value) {
    return "'" + value.replace("'", "''") + "'";
  }

  @Override
  public String toString() {
    return schema + "." + name;
  }
}
