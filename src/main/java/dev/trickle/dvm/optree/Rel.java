package dev.trickle.dvm.optree;

/**
 * What an operator sees of a child during delta generation.
 *
 * @param state SQL of the child's new state
 * @param delta name of the common table expression holding the child's delta
 * @param width number of columns ({@code c0..c(width-1)})
 */
public record Rel(String state, String delta, int width) {}
