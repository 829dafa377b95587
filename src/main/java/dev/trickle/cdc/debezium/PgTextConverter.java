package dev.trickle.cdc.debezium;

import io.debezium.spi.converter.CustomConverter;
import io.debezium.spi.converter.RelationalColumn;
import java.util.Properties;
import org.apache.kafka.connect.data.SchemaBuilder;

/**
 * Registered by {@link DebeziumSource} for every column: the connector emits each value as an
 * optional string in PostgreSQL's text form ({@link PgText}), the form the native pgoutput reader
 * receives, so both sources feed the delta engine the same values. The connector's placeholder for
 * an unchanged TOASTed value passes through untouched.
 */
public final class PgTextConverter implements CustomConverter<SchemaBuilder, RelationalColumn> {
  /** Creates the converter; Debezium instantiates it by class name. */
  public PgTextConverter() {}

  @Override
  public void configure(Properties properties) {}

  @Override
  public void converterFor(
      RelationalColumn column, ConverterRegistration<SchemaBuilder> registration) {
    registration.register(
        SchemaBuilder.string().optional(), value -> value == null ? null : PgText.of(value));
  }
}
