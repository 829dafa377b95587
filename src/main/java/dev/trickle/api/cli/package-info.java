/**
 * The command line (picocli): {@code run}, {@code demo} and {@code validate}. Thin commands over
 * the service; user mistakes print one line per problem and exit 2, runtime failures exit 1.
 */
package dev.trickle.api.cli;
