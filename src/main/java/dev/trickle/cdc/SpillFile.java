package dev.trickle.cdc;

import dev.trickle.cdc.pgoutput.TupleData;
import dev.trickle.model.TableRef;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The row changes of one open transaction, written to a local file as they arrive instead of being
 * held on the heap (docs/ARCHITECTURE.md, "Large transactions"). Each change is written with the id
 * of the (sub)transaction that made it, so that an aborted subtransaction's changes can be left out
 * when the file is read back; {@link #seal} closes it into a {@link SpilledChanges}.
 *
 * <p>Format (big-endian): a relation record {@code 'R' int index, str schema, str name, char
 * replica identity, int n, n x str column} precedes the first change of each relation; a change
 * record is {@code 'C' int relation index, int subxid, byte kind ('I', 'U', 'D'), tuple old, tuple
 * new}, a tuple {@code int n (-1 for none), n x (byte kind, for 't' and 'b': int length, bytes)}; a
 * string is {@code int length, UTF-8 bytes}. Not thread-safe: written by the reader thread only.
 */
public final class SpillFile {
  private final Path path;
  private final DataOutputStream out;
  private final Map<SourceRelation, Integer> relations = new HashMap<>();
  private final Map<Integer, Map<TableRef, Long>> counts = new HashMap<>();
  private long rows;

  private SpillFile(Path path) throws IOException {
    this.path = path;
    this.out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(path), 1 << 16));
  }

  /**
   * Creates an empty spill file.
   *
   * @param directory where (it must exist)
   * @return the file, open for writing
   * @throws UncheckedIOException when it cannot be created
   */
  public static SpillFile create(Path directory) {
    try {
      return new SpillFile(Files.createTempFile(directory, "tx-", ".spill"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a spill file in " + directory, e);
    }
  }

  /** The file. */
  public Path path() {
    return path;
  }

  /** Row changes written so far (aborted subtransactions' included). */
  public long rows() {
    return rows;
  }

  /**
   * Appends one change.
   *
   * @param subXid the (sub)transaction that made it (the top-level xid outside streaming)
   * @param change the change
   */
  public void write(int subXid, RowChange change) {
    try {
      Integer index = relations.get(change.relation());
      if (index == null) {
        index = relations.size();
        relations.put(change.relation(), index);
        writeRelation(index, change.relation());
      }
      out.writeByte('C');
      out.writeInt(index);
      out.writeInt(subXid);
      out.writeByte(
          switch (change.kind()) {
            case INSERT -> 'I';
            case UPDATE -> 'U';
            case DELETE -> 'D';
          });
      writeTuple(change.oldTuple());
      writeTuple(change.newTuple());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write spill file " + path, e);
    }
    counts
        .computeIfAbsent(subXid, x -> new HashMap<>())
        .merge(change.relation().table(), 1L, Long::sum);
    rows++;
  }

  /**
   * Closes the file for writing.
   *
   * @param abortedSubXids subtransactions whose changes are left out
   * @return the changes, readable by several readers at once
   */
  public SpilledChanges seal(Set<Integer> abortedSubXids) {
    close();
    Map<TableRef, Long> live = new HashMap<>();
    counts.forEach(
        (subXid, perTable) -> {
          if (!abortedSubXids.contains(subXid)) {
            perTable.forEach((t, n) -> live.merge(t, n, Long::sum));
          }
        });
    return new SpilledChanges(path, live, abortedSubXids);
  }

  /** Closes and deletes the file (an aborted transaction, a lost connection). */
  public void discard() {
    close();
    SpilledChanges.deleteQuietly(path);
  }

  private void close() {
    try {
      out.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write spill file " + path, e);
    }
  }

  private void writeRelation(int index, SourceRelation r) throws IOException {
    out.writeByte('R');
    out.writeInt(index);
    out.writeInt(r.relationId());
    writeString(r.table().schema());
    writeString(r.table().name());
    out.writeChar(r.replicaIdentity());
    out.writeInt(r.columnNames().size());
    for (String c : r.columnNames()) {
      writeString(c);
    }
  }

  private void writeTuple(TupleData t) throws IOException {
    if (t == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(t.size());
    for (int i = 0; i < t.size(); i++) {
      char kind = t.kind(i);
      out.writeByte(kind);
      if (kind == TupleData.TEXT) {
        writeString(t.text(i));
      } else if (kind == TupleData.BINARY) {
        byte[] b = t.binary(i);
        out.writeInt(b.length);
        out.write(b);
      }
    }
  }

  private void writeString(String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }
}
