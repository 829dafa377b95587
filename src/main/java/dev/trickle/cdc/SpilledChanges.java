package dev.trickle.cdc;

import dev.trickle.cdc.pgoutput.TupleData;
import dev.trickle.model.TableRef;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The row changes of a committed transaction that live in a {@link SpillFile} rather than on the
 * heap: per-table counts in memory, the rows read back from the file one at a time, as often as
 * asked (each iteration opens the file anew). Deleted once every stream table absorbed the
 * transaction ({@link ChangeStore}), or when the transaction turns out not to be needed.
 */
public final class SpilledChanges {
  private final Path path;
  private final Map<TableRef, Long> counts;
  private final Set<Integer> aborted;

  SpilledChanges(Path path, Map<TableRef, Long> counts, Set<Integer> abortedSubXids) {
    this.path = path;
    this.counts = Map.copyOf(counts);
    this.aborted = Set.copyOf(abortedSubXids);
  }

  /** The file. */
  public Path path() {
    return path;
  }

  /** Tables with row changes, with how many each. */
  public Map<TableRef, Long> counts() {
    return counts;
  }

  /** Row changes of one table. */
  public long count(TableRef table) {
    return counts.getOrDefault(table, 0L);
  }

  /**
   * The row changes of one table, in WAL order, read from the file as iterated.
   *
   * @param table the table
   * @return an iterable that reads the file on each iteration; an iterator that is not read to its
   *     end keeps the file open until collected, so read it to the end
   */
  public Iterable<RowChange> rows(TableRef table) {
    if (count(table) == 0) {
      return List.of();
    }
    return () -> new Reader(table);
  }

  /** Deletes the file; deleting again does nothing. */
  public void delete() {
    deleteQuietly(path);
  }

  static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // a file that cannot be deleted now goes with its directory at the next start
    }
  }

  @Override
  public String toString() {
    return "SpilledChanges[" + path.getFileName() + ", " + counts + "]";
  }

  /** Reads change records of one table, skipping others and aborted subtransactions'. */
  private final class Reader implements Iterator<RowChange> {
    private final TableRef table;
    private final DataInputStream in;
    private final Map<Integer, SourceRelation> relations = new HashMap<>();
    private RowChange next;
    private boolean done;

    Reader(TableRef table) {
      this.table = table;
      try {
        this.in = new DataInputStream(new BufferedInputStream(Files.newInputStream(path), 1 << 16));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read spill file " + path, e);
      }
    }

    @Override
    public boolean hasNext() {
      if (next == null && !done) {
        next = advance();
      }
      return next != null;
    }

    @Override
    public RowChange next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      RowChange out = next;
      next = null;
      return out;
    }

    private RowChange advance() {
      try {
        while (true) {
          int tag;
          try {
            tag = in.readByte();
          } catch (EOFException e) {
            done = true;
            in.close();
            return null;
          }
          if (tag == 'R') {
            int index = in.readInt();
            relations.put(index, readRelation());
            continue;
          }
          if (tag != 'C') {
            throw new IllegalStateException("spill file " + path + " is corrupt (tag " + tag + ")");
          }
          SourceRelation relation = relations.get(in.readInt());
          int subXid = in.readInt();
          RowChange.Kind kind =
              switch (in.readByte()) {
                case 'I' -> RowChange.Kind.INSERT;
                case 'U' -> RowChange.Kind.UPDATE;
                case 'D' -> RowChange.Kind.DELETE;
                default -> throw new IllegalStateException("spill file " + path + " is corrupt");
              };
          TupleData oldTuple = readTuple();
          TupleData newTuple = readTuple();
          if (relation.table().equals(table) && !aborted.contains(subXid)) {
            return new RowChange(kind, relation, oldTuple, newTuple);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read spill file " + path, e);
      }
    }

    private SourceRelation readRelation() throws IOException {
      int relationId = in.readInt();
      TableRef t = new TableRef(readString(), readString());
      char identity = in.readChar();
      int n = in.readInt();
      List<String> columns = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        columns.add(readString());
      }
      return new SourceRelation(relationId, t, columns, identity);
    }

    private TupleData readTuple() throws IOException {
      int n = in.readInt();
      if (n < 0) {
        return null;
      }
      TupleData.Builder b = TupleData.builder();
      for (int i = 0; i < n; i++) {
        char kind = (char) in.readByte();
        switch (kind) {
          case TupleData.TEXT -> b.addText(readString());
          case TupleData.BINARY -> b.addBinary(in.readNBytes(in.readInt()));
          case TupleData.NULL -> b.addNull();
          case TupleData.UNCHANGED_TOAST -> b.addUnchangedToast();
          default -> throw new IllegalStateException("spill file " + path + " is corrupt");
        }
      }
      return b.build();
    }

    private String readString() throws IOException {
      return new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
    }
  }
}
