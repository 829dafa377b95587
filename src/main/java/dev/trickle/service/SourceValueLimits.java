package dev.trickle.service;

import dev.trickle.dvm.Column;
import dev.trickle.dvm.SourceTable;
import dev.trickle.model.Strategy;
import java.util.List;
import java.util.Locale;

/**
 * Values a change source cannot carry exactly, and so the stream tables it cannot maintain
 * differentially. Pure. The Debezium connector turns {@code timetz} values into UTC and drops their
 * offset, which PostgreSQL's equality does not ignore; a strategy that ships row values (all but
 * {@code KEYED}, which ships only keys, and {@code FULL_ONLY}, which ships nothing) would store
 * other values than the query gives.
 */
final class SourceValueLimits {
  private SourceValueLimits() {}

  /**
   * Why a strategy cannot run on a source, if it cannot.
   *
   * @param cdcSource {@code pgoutput} or {@code debezium}
   * @param strategy the strategy chosen
   * @param sources the query's source tables
   * @return the blocker, or null
   */
  static String blocker(String cdcSource, Strategy strategy, List<SourceTable> sources) {
    if (!"debezium".equals(cdcSource) || strategy == Strategy.FULL_ONLY) {
      return null;
    }
    for (SourceTable source : sources) {
      for (Column c : strategy == Strategy.KEYED ? source.key() : source.columns()) {
        if (isTimetz(c.type())) {
          return "reads column "
              + c.name()
              + " of "
              + source.table()
              + ", of type "
              + c.type()
              + ", whose values the Debezium source cannot carry exactly (the connector turns"
              + " them into UTC and drops the offset; cdc.source: pgoutput carries them)";
        }
      }
    }
    return null;
  }

  private static boolean isTimetz(String type) {
    String t = type.toLowerCase(Locale.ROOT);
    return t.startsWith("time") && t.contains("with time zone") && !t.startsWith("timestamp");
  }
}
