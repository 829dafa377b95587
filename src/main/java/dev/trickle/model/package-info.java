/**
 * Values shared by every part of Trickle: log sequence numbers, PostgreSQL snapshots (the frontier
 * of a stream table) and table references. Pure: no I/O, no dependencies.
 */
package dev.trickle.model;
