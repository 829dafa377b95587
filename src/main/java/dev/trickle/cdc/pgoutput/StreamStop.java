package dev.trickle.cdc.pgoutput;

/**
 * Stream Stop ({@code 'E'}, protocol version 2+): closes the current block of streamed changes. The
 * message has no body.
 */
public record StreamStop() implements PgOutputMessage {
  /** The only instance the decoder returns. */
  static final StreamStop INSTANCE = new StreamStop();
}
