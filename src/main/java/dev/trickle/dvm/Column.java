package dev.trickle.dvm;

/**
 * A column with its SQL type as {@code format_type} prints it.
 *
 * @param name column name
 * @param type SQL type, e.g. {@code numeric(12,2)}
 */
public record Column(String name, String type) {}
