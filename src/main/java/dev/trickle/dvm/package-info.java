/**
 * Differential view maintenance: what a defining query reads and returns (asked of the server
 * itself through a probe view), whether it can be maintained from deltas, and the SQL that applies
 * a delta or recomputes the query. Parsing and SQL generation are pure; only {@link
 * dev.trickle.dvm.QueryProbe} talks to the database.
 */
package dev.trickle.dvm;
