package dev.trickle.cdc.pgoutput;

/**
 * One decoded pgoutput logical replication message. Obtain instances from {@link
 * PgOutputDecoder#decode(java.nio.ByteBuffer, boolean)}; switch over the permitted record types.
 */
public sealed interface PgOutputMessage
    permits Begin,
        Commit,
        Origin,
        Relation,
        Type,
        Insert,
        Update,
        Delete,
        Truncate,
        LogicalMessage,
        StreamStart,
        StreamStop,
        StreamCommit,
        StreamAbort {}
