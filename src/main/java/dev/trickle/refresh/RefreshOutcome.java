package dev.trickle.refresh;

/**
 * What one refresh did.
 *
 * @param applied whether anything was committed (false when the delta turned out empty)
 * @param mode FULL or DIFFERENTIAL
 * @param reasonCode why that mode
 * @param deltaRows rows shipped in the delta
 * @param sourceTransactions source transactions absorbed
 * @param rowsAffected rows the MERGE or the recompute changed
 * @param millis duration
 */
public record RefreshOutcome(
    boolean applied,
    ModePolicy.Applied mode,
    String reasonCode,
    long deltaRows,
    int sourceTransactions,
    long rowsAffected,
    long millis) {}
