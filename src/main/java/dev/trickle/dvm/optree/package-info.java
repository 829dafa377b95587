/**
 * The operator tree (OpTree) of a defining query and its delta rules. Each operator implements
 * {@link dev.trickle.dvm.optree.DeltaOperator}: given its children's current states and deltas
 * (Z-sets: rows with weights) it yields its own, as SQL. Linear operators (scan, filter, project,
 * inner join, UNION ALL) differentiate directly; the others (aggregates, DISTINCT, outer joins,
 * UNION/INTERSECT/EXCEPT) recompute only the groups, rows or join keys their input deltas touch.
 * Pure: no I/O.
 */
package dev.trickle.dvm.optree;
