package dev.trickle.dvm.optree;

import dev.trickle.model.TableRef;
import java.util.List;

/**
 * Reads a source table. Its delta is the table's shipped changes: old row images with weight -1,
 * new ones with +1.
 *
 * @param table the source table
 * @param columns its columns in order
 * @param deltaIndex which delta temp table holds its changes
 */
public record ScanOp(TableRef table, List<String> columns, int deltaIndex)
    implements DeltaOperator {
  /** Copies the list. */
  public ScanOp {
    columns = List.copyOf(columns);
  }

  @Override
  public String state(List<String> children) {
    return "SELECT " + items() + " FROM " + table.quoted();
  }

  @Override
  public String generateDelta(DeltaContext ctx, List<Rel> children) {
    return "SELECT "
        + Sql.list(items(), "__pgt_w::bigint AS __pgt_w")
        + " FROM "
        + ctx.deltaTable(deltaIndex);
  }

  private String items() {
    return Sql.joined(columns.size(), i -> TableRef.quoteIdent(columns.get(i)) + " AS c" + i);
  }

  @Override
  public boolean supportsImmediateMode() {
    return true;
  }

  @Override
  public boolean isMonotone() {
    return true;
  }

  @Override
  public String label() {
    return "scan " + table;
  }
}
