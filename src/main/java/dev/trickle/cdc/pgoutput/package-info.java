/**
 * A pure decoder for PostgreSQL's logical replication protocol as produced by the built-in {@code
 * pgoutput} output plugin (protocol versions 1 and 2).
 *
 * <p>Bytes in, typed immutable messages out: {@link dev.trickle.cdc.pgoutput.PgOutputDecoder} reads
 * one message from a {@link java.nio.ByteBuffer} and returns one of the records permitted by the
 * sealed {@link dev.trickle.cdc.pgoutput.PgOutputMessage} interface. The decoder performs no I/O,
 * no logging and keeps no state between calls; the only context it needs from the caller is whether
 * the message is inside a streamed-transaction block (between Stream Start and Stream Stop),
 * because protocol version 2 then prefixes several message types with a transaction id.
 *
 * <p>The byte layouts follow the "Logical Replication Message Formats" chapter of the PostgreSQL
 * documentation. Every integer is big-endian (network byte order); strings are NUL-terminated
 * UTF-8; column values in {@link dev.trickle.cdc.pgoutput.TupleData} are length-prefixed.
 * Timestamps are kept as sent (microseconds since 2000-01-01 00:00:00 UTC); {@link
 * dev.trickle.cdc.pgoutput.PgTime} converts them to and from {@link java.time.Instant}.
 *
 * <p>Malformed input (an unknown message type, an unknown tuple column kind, a truncated buffer or
 * an impossible length) is reported as an {@link java.lang.IllegalArgumentException} whose message
 * names the offending byte or field.
 */
package dev.trickle.cdc.pgoutput;
