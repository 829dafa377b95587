/**
 * Trickle's catalog in schema {@code pgtrickle}: versioned migrations, the stream-table registry,
 * refresh history and the replication slot position. Plain JDBC; every statement binds its values.
 */
package dev.trickle.catalog;
