/**
 * Scheduling refreshes: each stream table is refreshed when its schedule is due and it has received
 * changes (a cycle with nothing to do issues no SQL), on a bounded worker pool.
 */
package dev.trickle.scheduler;
