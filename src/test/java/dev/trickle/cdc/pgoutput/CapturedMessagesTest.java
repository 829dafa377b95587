package dev.trickle.cdc.pgoutput;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Decodes real messages captured from PostgreSQL 15 (see src/test/resources/pgoutput/README.md) and
 * checks their content against the SQL that produced them.
 */
final class CapturedMessagesTest {

  private static final List<String> ITEMS_COLUMNS =
      List.of("id", "name", "price", "data", "doc", "big", "feeling");
  private static final String BIG = "x".repeat(10_000);
  private static final Instant CAPTURE_NOT_BEFORE = Instant.parse("2024-01-01T00:00:00Z");

  /** The messages produced by one SQL step, decoded in order, tracking stream blocks. */
  record Step(String description, List<PgOutputMessage> messages) {
    <T extends PgOutputMessage> List<T> all(Class<T> type) {
      return messages.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <T extends PgOutputMessage> T only(Class<T> type) {
      List<T> found = all(type);
      assertThat(found)
          .as("%s messages in step '%s'", type.getSimpleName(), description)
          .hasSize(1);
      return found.get(0);
    }

    List<String> types() {
      return messages.stream().map(m -> m.getClass().getSimpleName()).toList();
    }
  }

  /** Reads a capture file: '#' lines start a step (after the two header lines). */
  private static Map<String, Step> load(String file) {
    Map<String, List<PgOutputMessage>> steps = new LinkedHashMap<>();
    String path = "/pgoutput/" + file;
    try (InputStream in = CapturedMessagesTest.class.getResourceAsStream(path)) {
      assertThat(in).as(path).isNotNull();
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, UTF_8));
      List<PgOutputMessage> current = null;
      boolean inStreamBlock = false;
      int lineNo = 0;
      for (String line = reader.readLine(); line != null; line = reader.readLine()) {
        lineNo++;
        if (line.startsWith("#")) {
          if (lineNo > 2) {
            current = new ArrayList<>();
            steps.put(line.substring(1).trim(), current);
          }
          continue;
        }
        assertThat(current).as("message before first step in %s", file).isNotNull();
        ByteBuffer buf = ByteBuffer.wrap(HexFormat.of().parseHex(line.trim()));
        PgOutputMessage m = PgOutputDecoder.decode(buf, inStreamBlock);
        assertThat(buf.remaining()).as("unread bytes on %s line %d", file, lineNo).isZero();
        if (m instanceof StreamStart) {
          inStreamBlock = true;
        } else if (m instanceof StreamStop) {
          inStreamBlock = false;
        }
        current.add(m);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Step> result = new LinkedHashMap<>();
    steps.forEach((k, v) -> result.put(k, new Step(k, List.copyOf(v))));
    return result;
  }

  /** The step whose description starts with {@code prefix}. */
  private static Step step(Map<String, Step> steps, String prefix) {
    List<Step> found =
        steps.values().stream().filter(s -> s.description().startsWith(prefix)).toList();
    assertThat(found).as("steps starting with '%s'", prefix).hasSize(1);
    return found.get(0);
  }

  private static List<String> texts(TupleData t) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < t.size(); i++) {
      out.add(t.isNull(i) ? null : t.isUnchangedToast(i) ? "<u>" : t.text(i));
    }
    return out;
  }

  private static String kinds(TupleData t) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < t.size(); i++) {
      sb.append(t.kind(i));
    }
    return sb.toString();
  }

  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s);
  }

  /** Begin ... Commit framing with a consistent xid, LSN and timestamp. */
  private static Begin assertTransaction(Step s) {
    assertThat(s.messages().get(0)).as(s.description()).isInstanceOf(Begin.class);
    assertThat(s.messages().get(s.messages().size() - 1)).isInstanceOf(Commit.class);
    Begin b = (Begin) s.messages().get(0);
    Commit c = (Commit) s.messages().get(s.messages().size() - 1);
    assertThat(b.xid()).isPositive();
    assertThat(c.commitLsn()).isEqualTo(b.finalLsn());
    assertThat(c.endLsn()).isGreaterThan(c.commitLsn());
    assertThat(c.commitTimeMicros()).isEqualTo(b.commitTimeMicros());
    assertThat(c.flags()).isZero();
    return b;
  }

  @ParameterizedTest
  @ValueSource(strings = {"v1-text.hex", "v1-binary.hex", "v2-stream.hex"})
  void captured_everyMessage_decodesCompletely(String file) {
    Map<String, Step> steps = load(file);

    assertThat(steps).isNotEmpty();
    assertThat(steps.values()).allSatisfy(s -> assertThat(s.messages()).isNotEmpty());
  }

  // ------------------------------------------------------------------ protocol 1, text

  @Test
  void v1Text_insertItems_decodesTypeRelationAndValues() {
    Step s = step(load("v1-text.hex"), "INSERT INTO items three rows");

    assertThat(s.types())
        .containsExactly("Begin", "Type", "Relation", "Insert", "Insert", "Insert", "Commit");
    Begin begin = assertTransaction(s);
    assertThat(PgTime.toInstant(begin.commitTimeMicros())).isAfter(CAPTURE_NOT_BEFORE);
    Type mood = s.only(Type.class);
    assertThat(mood.xid()).isZero();
    assertThat(mood.namespace()).isEqualTo("public");
    assertThat(mood.name()).isEqualTo("mood");
    Relation r = s.only(Relation.class);
    assertThat(r.xid()).isZero();
    assertThat(r.namespace()).isEqualTo("public");
    assertThat(r.name()).isEqualTo("items");
    assertThat(r.replicaIdentity()).isEqualTo('d');
    assertThat(r.columns()).extracting(RelationColumn::name).isEqualTo(ITEMS_COLUMNS);
    assertThat(r.columns())
        .extracting(RelationColumn::typeOid)
        .containsExactly(23, 25, 1700, 17, 3802, 25, mood.typeOid());
    assertThat(r.columns())
        .extracting(RelationColumn::isKey)
        .containsExactly(true, false, false, false, false, false, false);
    // numeric(10,2): ((10 << 16) | 2) + VARHDRSZ
    assertThat(r.columns().get(2).typeModifier()).isEqualTo((10 << 16 | 2) + 4);
    assertThat(r.columns().get(0).typeModifier()).isEqualTo(-1);

    List<Insert> inserts = s.all(Insert.class);
    assertThat(inserts).allSatisfy(i -> assertThat(i.relationId()).isEqualTo(r.relationId()));
    assertThat(inserts).allSatisfy(i -> assertThat(i.xid()).isZero());
    assertThat(texts(inserts.get(0).newTuple()))
        .containsExactly("1", "widget", "12.50", "\\x0001ff", "{\"a\": 1}", BIG, "happy");
    assertThat(kinds(inserts.get(0).newTuple())).isEqualTo("ttttttt");
    assertThat(texts(inserts.get(1).newTuple()))
        .containsExactly("2", "", null, null, null, "short", null);
    assertThat(kinds(inserts.get(1).newTuple())).isEqualTo("ttnnntn");
    assertThat(texts(inserts.get(2).newTuple()))
        .containsExactly("3", "Grüße ✓ 日本", "-0.01", "\\x", "[]", null, "sad");
  }

  @Test
  void v1Text_updateLeavingToastedColumn_sendsUnchangedToast() {
    Step s = step(load("v1-text.hex"), "UPDATE items SET price = 13.75");

    assertTransaction(s);
    Update u = s.only(Update.class);
    assertThat(u.relationId()).isEqualTo(s.only(Relation.class).relationId());
    assertThat(u.oldTuple()).isNull();
    assertThat(u.oldKind()).isEqualTo('\0');
    assertThat(kinds(u.newTuple())).isEqualTo("tttttut");
    assertThat(u.newTuple().isUnchangedToast(5)).isTrue();
    assertThat(texts(u.newTuple()))
        .containsExactly("1", "widget", "13.75", "\\x0001ff", "{\"a\": 1}", "<u>", "happy");
  }

  @Test
  void v1Text_updateChangingKey_sendsOldKey() {
    Step s = step(load("v1-text.hex"), "UPDATE items SET id = 20");

    Update u = s.only(Update.class);
    assertThat(u.oldKind()).isEqualTo('K');
    assertThat(texts(u.oldTuple())).containsExactly("2", null, null, null, null, null, null);
    assertThat(texts(u.newTuple())).containsExactly("20", "", null, null, null, "short", null);
  }

  @Test
  void v1Text_deleteWithDefaultIdentity_sendsOldKey() {
    Step s = step(load("v1-text.hex"), "DELETE FROM items WHERE id = 3");

    assertTransaction(s);
    Delete d = s.only(Delete.class);
    assertThat(d.relationId()).isEqualTo(s.only(Relation.class).relationId());
    assertThat(d.oldKind()).isEqualTo('K');
    assertThat(texts(d.oldTuple())).containsExactly("3", null, null, null, null, null, null);
  }

  @Test
  void v1Text_replicaIdentityFull_sendsFullOldRows() {
    Map<String, Step> steps = load("v1-text.hex");
    Step insert = step(steps, "INSERT INTO audit");
    Step update = step(steps, "UPDATE audit");
    Step delete = step(steps, "DELETE FROM audit");

    Relation r = insert.only(Relation.class);
    assertThat(r.name()).isEqualTo("audit");
    assertThat(r.replicaIdentity()).isEqualTo('f');
    assertThat(r.columns())
        .containsExactly(
            new RelationColumn(true, "id", 23, -1), new RelationColumn(true, "note", 25, -1));
    assertThat(insert.only(Insert.class).newTuple()).isEqualTo(TupleData.ofText("7", "seven"));
    Update u = update.only(Update.class);
    assertThat(u)
        .isEqualTo(
            new Update(
                0,
                r.relationId(),
                TupleData.ofText("7", "seven"),
                'O',
                TupleData.ofText("7", "SEVEN")));
    assertThat(delete.only(Delete.class))
        .isEqualTo(new Delete(0, r.relationId(), TupleData.ofText("7", "SEVEN"), 'O'));
    assertThat(List.of(insert, update, delete))
        .extracting(s -> assertTransaction(s).xid())
        .doesNotHaveDuplicates();
  }

  @Test
  void v1Text_logicalMessages_transactionalAndNot() {
    Map<String, Step> steps = load("v1-text.hex");
    Step tx = step(steps, "SELECT pg_logical_emit_message(true");
    Step nonTx = step(steps, "SELECT pg_logical_emit_message(false");

    assertThat(tx.types()).containsExactly("Begin", "LogicalMessage", "Commit");
    assertTransaction(tx);
    LogicalMessage m = tx.only(LogicalMessage.class);
    assertThat(m.xid()).isZero();
    assertThat(m.transactional()).isTrue();
    assertThat(m.prefix()).isEqualTo("trickle");
    assertThat(m.content()).isEqualTo("x".getBytes(UTF_8));
    assertThat(m.lsn()).isPositive();

    assertThat(nonTx.types()).containsExactly("LogicalMessage");
    LogicalMessage n = nonTx.only(LogicalMessage.class);
    assertThat(n.transactional()).isFalse();
    assertThat(n.prefix()).isEqualTo("trickle");
    assertThat(new String(n.content(), UTF_8)).isEqualTo("non-tx");
    assertThat(n.lsn()).isGreaterThan(m.lsn());
  }

  @Test
  void v1Text_transactionWithReplicationOrigin_sendsOrigin() {
    Step s = step(load("v1-text.hex"), "transaction with replication origin");

    assertThat(s.types()).containsExactly("Begin", "Origin", "Relation", "Insert", "Commit");
    Begin b = assertTransaction(s);
    assertThat(s.only(Origin.class)).isEqualTo(new Origin(0xABCDEFL, "trickle_origin"));
    // pg_replication_origin_xact_setup's timestamp becomes the commit timestamp
    assertThat(PgTime.toInstant(b.commitTimeMicros()))
        .isEqualTo(Instant.parse("2024-01-02T03:04:05Z"));
    assertThat(s.only(Insert.class).newTuple()).isEqualTo(TupleData.ofText("8", "from origin"));
  }

  @Test
  void v1Text_truncateTwoTables_sendsOptionsAndBothRelations() {
    Step s = step(load("v1-text.hex"), "TRUNCATE items, audit");

    assertTransaction(s);
    Map<String, Integer> oids =
        s.all(Relation.class).stream()
            .collect(Collectors.toMap(Relation::name, Relation::relationId));
    assertThat(oids).containsOnlyKeys("items", "audit");
    Truncate t = s.only(Truncate.class);
    assertThat(t.xid()).isZero();
    assertThat(t.isCascade()).isTrue();
    assertThat(t.isRestartIdentity()).isTrue();
    assertThat(t.relationIds()).containsExactly(oids.get("items"), oids.get("audit"));
  }

  @Test
  void v1TextAndBinary_sameStatements_haveSameFraming() {
    Map<String, Step> text = load("v1-text.hex");
    Map<String, Step> binary = load("v1-binary.hex");

    assertThat(binary.keySet()).containsExactlyElementsOf(text.keySet());
    text.forEach(
        (k, s) -> {
          assertThat(binary.get(k).types()).as(k).isEqualTo(s.types());
          assertThat(binary.get(k).all(Begin.class)).as(k).isEqualTo(s.all(Begin.class));
          assertThat(binary.get(k).all(Relation.class)).as(k).isEqualTo(s.all(Relation.class));
        });
  }

  // ------------------------------------------------------------------ protocol 1, binary

  @Test
  void v1Binary_insertItems_sendsBinarySendFormat() {
    Step s = step(load("v1-binary.hex"), "INSERT INTO items three rows");

    List<Insert> inserts = s.all(Insert.class);
    assertThat(inserts).hasSize(3);
    TupleData t = inserts.get(0).newTuple();
    assertThat(kinds(t)).isEqualTo("bbbbbbb");
    assertThat(t.text(0)).isNull();
    assertThat(t.binary(0)).isEqualTo(hex("00000001")); // int4
    assertThat(t.binary(1)).isEqualTo("widget".getBytes(UTF_8)); // text
    // numeric 12.50: ndigits 2, weight 0, sign +, dscale 2, base-10000 digits 12, 5000
    assertThat(t.binary(2)).isEqualTo(hex("000200000000000200" + "0c1388"));
    assertThat(t.binary(3)).isEqualTo(hex("0001ff")); // bytea: raw bytes
    assertThat(t.binary(4))
        .isEqualTo(hex("01" + HexFormat.of().formatHex("{\"a\": 1}".getBytes(UTF_8))));
    assertThat(t.binary(5)).isEqualTo(BIG.getBytes(UTF_8));
    assertThat(t.binary(6)).isEqualTo("happy".getBytes(UTF_8)); // enum: label

    TupleData second = inserts.get(1).newTuple();
    assertThat(kinds(second)).isEqualTo("bbnnnbn");
    assertThat(second.binary(1)).isEmpty();
    TupleData third = inserts.get(2).newTuple();
    assertThat(new String(third.binary(1), UTF_8)).isEqualTo("Grüße ✓ 日本");
    assertThat(third.binary(3)).isEmpty();
  }

  @Test
  void v1Binary_updateLeavingToastedColumn_sendsUnchangedToast() {
    Update u = step(load("v1-binary.hex"), "UPDATE items SET price = 13.75").only(Update.class);

    assertThat(kinds(u.newTuple())).isEqualTo("bbbbbub");
    assertThat(u.newTuple().binary(2)).isEqualTo(hex("0002000000000002000d1d4c")); // 13.75
    assertThat(u.newTuple().binary(5)).isNull();
  }

  // ------------------------------------------------------------------ protocol 2, streaming

  @Test
  void v2_smallTransaction_isNotStreamedAndHasNoXidPrefix() {
    Step s = step(load("v2-stream.hex"), "small transaction, not streamed");

    assertThat(s.types()).containsExactly("Begin", "Relation", "Insert", "Commit");
    assertTransaction(s);
    Relation r = s.only(Relation.class);
    assertThat(r.xid()).isZero();
    assertThat(r.name()).isEqualTo("bulk");
    assertThat(s.only(Insert.class))
        .isEqualTo(new Insert(0, r.relationId(), TupleData.ofText("0", "small")));
  }

  /**
   * Checks stream framing and returns the streamed transaction's xid. Changes carry the xid of the
   * (sub)transaction that made them: the top-level xid or one of {@code subXids}.
   */
  private static int assertStreamBlocks(Step s, Integer... subXids) {
    List<PgOutputMessage> ms = s.messages();
    assertThat(ms.get(0)).isInstanceOf(StreamStart.class);
    int xid = ((StreamStart) ms.get(0)).xid();
    assertThat(xid).isPositive();
    assertThat(((StreamStart) ms.get(0)).firstSegment()).isTrue();
    List<Integer> allowed = new ArrayList<>(List.of(subXids));
    allowed.add(xid);
    boolean inBlock = false;
    for (PgOutputMessage m : ms) {
      if (m instanceof StreamStart start) {
        assertThat(inBlock).as("nested Stream Start").isFalse();
        assertThat(start.xid()).isEqualTo(xid);
        inBlock = true;
      } else if (m instanceof StreamStop) {
        assertThat(inBlock).as("Stream Stop outside a block").isTrue();
        inBlock = false;
      } else if (m instanceof StreamCommit || m instanceof StreamAbort) {
        assertThat(inBlock).as("%s inside a block", m).isFalse();
      } else {
        assertThat(inBlock).as("%s outside a block", m).isTrue();
        assertThat(streamedXid(m)).as("%s", m).isIn(allowed);
      }
    }
    assertThat(inBlock).isFalse();
    assertThat(s.all(StreamStart.class).stream().skip(1))
        .allSatisfy(start -> assertThat(start.firstSegment()).isFalse());
    return xid;
  }

  private static int streamedXid(PgOutputMessage m) {
    if (m instanceof Relation r) {
      return r.xid();
    } else if (m instanceof Type t) {
      return t.xid();
    } else if (m instanceof Insert i) {
      return i.xid();
    } else if (m instanceof Update u) {
      return u.xid();
    } else if (m instanceof Delete d) {
      return d.xid();
    } else if (m instanceof Truncate t) {
      return t.xid();
    } else if (m instanceof LogicalMessage l) {
      return l.xid();
    }
    throw new AssertionError("not a streamable message: " + m);
  }

  @Test
  void v2_largeCommittedTransaction_isStreamedInSegmentsWithXids() {
    Step s = step(load("v2-stream.hex"), "large committed transaction, streamed");

    int xid = assertStreamBlocks(s);
    assertThat(s.all(StreamStart.class)).hasSizeGreaterThanOrEqualTo(2);
    Map<String, Integer> oids = new LinkedHashMap<>();
    s.all(Relation.class).forEach(r -> oids.put(r.name(), r.relationId()));
    assertThat(oids).containsOnlyKeys("bulk", "audit");

    List<Insert> inserts = s.all(Insert.class);
    assertThat(inserts).hasSize(400);
    for (int i = 0; i < inserts.size(); i++) {
      assertThat(inserts.get(i))
          .isEqualTo(
              new Insert(
                  xid,
                  oids.get("bulk"),
                  TupleData.ofText(Integer.toString(i + 1), "p".repeat(50))));
    }
    LogicalMessage m = s.only(LogicalMessage.class);
    assertThat(m.transactional()).isTrue();
    assertThat(m.prefix()).isEqualTo("trickle");
    assertThat(new String(m.content(), UTF_8)).isEqualTo("in-stream");
    assertThat(s.only(Update.class))
        .isEqualTo(new Update(xid, oids.get("bulk"), null, '\0', TupleData.ofText("1", "changed")));
    assertThat(s.only(Delete.class))
        .isEqualTo(new Delete(xid, oids.get("bulk"), TupleData.ofText("2", null), 'K'));
    assertThat(s.only(Truncate.class))
        .isEqualTo(new Truncate(xid, (byte) 0, List.of(oids.get("audit"))));

    assertThat(s.messages().get(s.messages().size() - 1)).isInstanceOf(StreamCommit.class);
    StreamCommit c = s.only(StreamCommit.class);
    assertThat(c.xid()).isEqualTo(xid);
    assertThat(c.flags()).isZero();
    assertThat(c.endLsn()).isGreaterThan(c.commitLsn());
    assertThat(c.commitLsn()).isGreaterThan(m.lsn());
    assertThat(PgTime.toInstant(c.commitTimeMicros())).isAfter(CAPTURE_NOT_BEFORE);
    assertThat(s.all(StreamAbort.class)).isEmpty();
  }

  @Test
  void v2_rolledBackLargeTransaction_endsWithStreamAbortOfWholeTransaction() {
    Step s = step(load("v2-stream.hex"), "large transaction rolled back");

    int xid = assertStreamBlocks(s);
    assertThat(s.messages().get(s.messages().size() - 1)).isEqualTo(new StreamAbort(xid, xid));
    assertThat(s.all(StreamCommit.class)).isEmpty();
  }

  @Test
  void v2_rolledBackSavepoint_sendsSubtransactionAbortThenCommit() {
    Step s = step(load("v2-stream.hex"), "large transaction with rolled-back savepoint");

    StreamAbort abort = s.only(StreamAbort.class);
    int xid = assertStreamBlocks(s, abort.subXid());
    assertThat(abort.xid()).isEqualTo(xid);
    assertThat(abort.subXid()).isNotEqualTo(xid).isPositive();
    // rows inserted after SAVEPOINT carry the subtransaction's xid, the others the top-level xid
    assertThat(s.all(Insert.class))
        .allSatisfy(
            i ->
                assertThat(i.xid())
                    .isEqualTo(i.newTuple().text(1).startsWith("r") ? abort.subXid() : xid));
    assertThat(s.all(Relation.class)).allSatisfy(r -> assertThat(r.xid()).isEqualTo(xid));
    assertThat(s.messages().get(s.messages().size() - 1)).isInstanceOf(StreamCommit.class);
    assertThat(s.only(StreamCommit.class).xid()).isEqualTo(xid);
    assertThat(s.messages().indexOf(abort))
        .isLessThan(s.messages().indexOf(s.only(StreamCommit.class)));
    List<Insert> kept =
        s.all(Insert.class).stream().filter(i -> i.newTuple().text(1).startsWith("s")).toList();
    assertThat(kept)
        .extracting(i -> Integer.parseInt(i.newTuple().text(0)))
        .containsExactlyElementsOf(IntStream.rangeClosed(2001, 2400).boxed().toList());
  }
}
