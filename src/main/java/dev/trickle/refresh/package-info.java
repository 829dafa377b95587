/**
 * Refreshing stream tables: encoding a delta for COPY ({@link dev.trickle.refresh.DeltaEncoder},
 * pure), choosing the mode ({@link dev.trickle.refresh.ModePolicy}, pure) and running a refresh in
 * one REPEATABLE READ transaction through R2DBC ({@link dev.trickle.refresh.RefreshExecutor}).
 */
package dev.trickle.refresh;
