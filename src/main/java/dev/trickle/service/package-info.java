/**
 * The running service: validating and planning stream tables ({@link
 * dev.trickle.service.StreamTablePlanner}), wiring catalog, change capture, refresh and scheduling
 * together ({@link dev.trickle.service.Pipeline}).
 */
package dev.trickle.service;
