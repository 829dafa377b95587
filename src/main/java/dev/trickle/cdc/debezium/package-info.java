/**
 * The embedded Debezium PostgreSQL connector as a change source ({@code cdc.source: debezium}):
 * {@link dev.trickle.cdc.debezium.PgText} and {@link dev.trickle.cdc.debezium.PgTextConverter} turn
 * the connector's column values back into PostgreSQL's text form, {@link
 * dev.trickle.cdc.debezium.RecordAssembler} folds its records into the same committed transactions
 * the native reader produces, {@link dev.trickle.cdc.debezium.CatalogOffsetStore} keeps its offsets
 * in {@code pgtrickle.pgt_cdc_offsets}, and {@link dev.trickle.cdc.debezium.DebeziumSource} runs
 * the engine as a {@link dev.trickle.cdc.ChangeSource}.
 */
package dev.trickle.cdc.debezium;
