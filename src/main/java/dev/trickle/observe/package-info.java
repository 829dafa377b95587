/**
 * Observability: every metric name Trickle publishes is declared here, once, with its tags. The
 * Prometheus registry is scraped at {@code /metrics}.
 */
package dev.trickle.observe;
