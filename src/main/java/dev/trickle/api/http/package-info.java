/**
 * The HTTP server (Reactor Netty): Prometheus metrics, health and readiness, and the stream-table
 * API. Thin handlers over the service; JSON via Jackson.
 */
package dev.trickle.api.http;
