/**
 * Crash points for the reliability tests: named places in a refresh and in the slot keeper where a
 * JVM started with {@code -Dtrickle.crash.at=POINT[:N]} halts as {@code kill -9} would ({@link
 * dev.trickle.faults.CrashPoints}). Depends on nothing.
 */
package dev.trickle.faults;
