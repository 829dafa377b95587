package dev.trickle.dvm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.trickle.model.TableRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a stream table reads of its source tables, as planned: each source's OID and the columns it
 * reads (by number, with name and type). Pure: {@link #observeSql()} is the SQL that tells what the
 * server has now, {@link #parse} reads its answer, and {@link #changeIn} names what changed, in one
 * line ({@code source public.orders changed: column amount was dropped}). Columns the stream table
 * does not read, and columns added later, are not part of it: DDL on them changes nothing.
 *
 * @param sources the tables read, in plan order
 */
public record SourceSchema(List<Source> sources) {
  /** No sources known: nothing to check (stream tables planned before this existed, tests). */
  public static final SourceSchema NONE = new SourceSchema(List.of());

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Copies the list. */
  public SourceSchema {
    sources = List.copyOf(sources);
  }

  /**
   * A column read.
   *
   * @param attnum its number in the table ({@code pg_attribute.attnum}), stable across renames
   * @param name its name
   * @param type its type as {@code format_type} prints it, with the modifier
   */
  public record ReadColumn(int attnum, String name, String type) {}

  /**
   * A source table as planned.
   *
   * @param table its name
   * @param oid its OID (a table dropped and created again has another)
   * @param columns the columns read, by number
   */
  public record Source(TableRef table, long oid, List<ReadColumn> columns) {
    /** Copies the list. */
    public Source {
      columns = List.copyOf(columns);
    }
  }

  /**
   * A source table as the server has it now.
   *
   * @param oidOfName the OID of the table of the planned name, 0 when there is none
   * @param nameOfOid the name the planned OID has now, null when it is gone
   * @param columns per planned column (same order): what its number holds now, null when dropped
   */
  public record Observed(long oidOfName, TableRef nameOfOid, List<ReadColumn> columns) {}

  /**
   * A SQL expression (no parameters) whose value, as text, is a JSON array with one element per
   * source: {@code [oid of the name or null, [schema, name] of the OID or null, [[name, type] or
   * null per column]]}. Catalog lookups by index only: cheap enough for every refresh.
   */
  public String observeSql() {
    StringBuilder b = new StringBuilder("json_build_array(");
    for (int i = 0; i < sources.size(); i++) {
      Source s = sources.get(i);
      if (i > 0) {
        b.append(", ");
      }
      // every lookup reads the catalog in the statement's snapshot (to_regclass would read the
      // latest catalog, which may be newer than the pg_attribute rows it is compared with)
      b.append("json_build_array((SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid =")
          .append(" c.relnamespace WHERE n.nspname = ")
          .append(TableRef.quoteLiteral(s.table().schema()))
          .append(" AND c.relname = ")
          .append(TableRef.quoteLiteral(s.table().name()))
          .append("), (SELECT json_build_array(n.nspname, c.relname) FROM pg_class c JOIN")
          .append(" pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = ")
          .append(s.oid())
          .append("::oid), json_build_array(");
      for (int j = 0; j < s.columns().size(); j++) {
        if (j > 0) {
          b.append(", ");
        }
        b.append("(SELECT json_build_array(attname, format_type(atttypid, atttypmod)) FROM")
            .append(" pg_attribute WHERE attrelid = ")
            .append(s.oid())
            .append("::oid AND attnum = ")
            .append(s.columns().get(j).attnum())
            .append(" AND NOT attisdropped)");
      }
      b.append("))");
    }
    return b.append(")::text").toString();
  }

  /**
   * Reads the value of {@link #observeSql()}.
   *
   * @param json its text
   * @return one observation per source, in order
   * @throws IllegalArgumentException when the text is not such an answer
   */
  public List<Observed> parse(String json) {
    try {
      JsonNode root = JSON.readTree(json);
      List<Observed> out = new ArrayList<>();
      for (int i = 0; i < sources.size(); i++) {
        JsonNode s = root.get(i);
        JsonNode name = s.get(1);
        List<ReadColumn> cols = new ArrayList<>();
        JsonNode cs = s.get(2);
        for (int j = 0; j < sources.get(i).columns().size(); j++) {
          JsonNode c = cs.get(j);
          cols.add(
              c == null || c.isNull()
                  ? null
                  : new ReadColumn(
                      sources.get(i).columns().get(j).attnum(),
                      c.get(0).asText(),
                      c.get(1).asText()));
        }
        out.add(
            new Observed(
                s.get(0).isNull() ? 0 : s.get(0).asLong(),
                name.isNull() ? null : new TableRef(name.get(0).asText(), name.get(1).asText()),
                cols));
      }
      return out;
    } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
      throw new IllegalArgumentException("not an observation of the sources: " + json, e);
    }
  }

  /**
   * What changed, in one line naming the source table and the change, or empty when what the stream
   * table reads is as planned.
   *
   * @param now the observations, one per source in order
   * @return e.g. {@code source public.orders changed: column amount was renamed to total}
   */
  public Optional<String> changeIn(List<Observed> now) {
    for (int i = 0; i < sources.size(); i++) {
      Source s = sources.get(i);
      Observed o = now.get(i);
      if (o.oidOfName() == 0) {
        return Optional.of(
            o.nameOfOid() == null
                ? "source " + s.table() + " was dropped"
                : "source " + s.table() + " changed: it was renamed to " + o.nameOfOid());
      }
      if (o.oidOfName() != s.oid()) {
        return Optional.of("source " + s.table() + " was dropped and created again");
      }
      List<String> changes = new ArrayList<>();
      for (int j = 0; j < s.columns().size(); j++) {
        ReadColumn planned = s.columns().get(j);
        ReadColumn current = o.columns().get(j);
        if (current == null) {
          changes.add("column " + planned.name() + " was dropped");
        } else if (!current.name().equals(planned.name())) {
          changes.add("column " + planned.name() + " was renamed to " + current.name());
        } else if (!current.type().equals(planned.type())) {
          changes.add(
              "column "
                  + planned.name()
                  + " changed type from "
                  + planned.type()
                  + " to "
                  + current.type());
        }
      }
      if (!changes.isEmpty()) {
        return Optional.of("source " + s.table() + " changed: " + String.join(", ", changes));
      }
    }
    return Optional.empty();
  }
}
