package dev.trickle.cdc.pgoutput;

import java.util.Objects;

/**
 * One column of a {@link Relation}.
 *
 * @param isKey true if the column is part of the replica identity key (flag bit 1)
 * @param name the column name
 * @param typeOid the OID of the column's data type
 * @param typeModifier the type modifier ({@code atttypmod}), -1 when none
 */
public record RelationColumn(boolean isKey, String name, int typeOid, int typeModifier) {

  /** Validates components. */
  public RelationColumn {
    Objects.requireNonNull(name, "name");
  }
}
