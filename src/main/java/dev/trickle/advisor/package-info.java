/**
 * The configuration advisor (seed QW-2): pure rules from what was observed over a window
 * (refreshes, worker pool, replication lag, buffers, caches) to recommended settings.
 */
package dev.trickle.advisor;
