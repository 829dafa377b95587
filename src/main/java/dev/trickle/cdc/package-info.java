/**
 * Change data capture: turns decoded pgoutput messages into committed transactions ({@link
 * dev.trickle.cdc.WalTransaction}), keeps the changes each stream table has not yet absorbed
 * ({@link dev.trickle.cdc.ChangeStore}) and decides how far the replication slot may be confirmed.
 * The pure decoder lives in {@code cdc.pgoutput}; the replication connection in {@link
 * dev.trickle.cdc.ReplicationSource}.
 */
package dev.trickle.cdc;
