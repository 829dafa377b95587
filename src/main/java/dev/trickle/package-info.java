/**
 * Trickle: stream tables in PostgreSQL kept incrementally fresh from logical replication. {@link
 * dev.trickle.Main} only hands the command line to {@code api.cli}; docs/ARCHITECTURE.md describes
 * the parts and how data flows between them.
 */
package dev.trickle;
