package dev.trickle.cdc.pgoutput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

final class PgOutputDecoderTest {

  private static PgOutputMessage decode(MessageBytes bytes) {
    return decode(bytes, false);
  }

  private static PgOutputMessage decode(MessageBytes bytes, boolean inStreamBlock) {
    ByteBuffer buf = bytes.buffer();
    PgOutputMessage m = PgOutputDecoder.decode(buf, inStreamBlock);
    assertThat(buf.remaining()).as("bytes left unread").isZero();
    return m;
  }

  // ---------------------------------------------------------------- transaction framing

  @Test
  void decode_begin_returnsLsnTimeAndXid() {
    PgOutputMessage m =
        decode(
            MessageBytes.type('B').i64(0x0000_0001_0000_00ABL).i64(757_382_400_123_456L).i32(-2));

    assertThat(m).isEqualTo(new Begin(0x0000_0001_0000_00ABL, 757_382_400_123_456L, -2));
  }

  @Test
  void decode_commit_returnsFlagsLsnsAndTime() {
    PgOutputMessage m = decode(MessageBytes.type('C').i8(0).i64(100).i64(164).i64(-5));

    assertThat(m).isEqualTo(new Commit((byte) 0, 100, 164, -5));
  }

  @Test
  void decode_origin_returnsLsnAndName() {
    PgOutputMessage m = decode(MessageBytes.type('O').i64(0xABCDEFL).cstr("node_1"));

    assertThat(m).isEqualTo(new Origin(0xABCDEFL, "node_1"));
  }

  @Test
  void decode_originWithEmptyName_returnsEmptyString() {
    assertThat(decode(MessageBytes.type('O').i64(1).cstr(""))).isEqualTo(new Origin(1, ""));
  }

  // ---------------------------------------------------------------- Relation and Type

  private static MessageBytes relationBody(MessageBytes b) {
    return b.i32(16_391)
        .cstr("public")
        .cstr("orders")
        .i8('d')
        .i16(3)
        .i8(1)
        .cstr("id")
        .i32(23)
        .i32(-1)
        .i8(0)
        .cstr("note")
        .i32(25)
        .i32(-1)
        .i8(0)
        .cstr("price")
        .i32(1700)
        .i32(655_366);
  }

  private static final List<RelationColumn> ORDERS_COLUMNS =
      List.of(
          new RelationColumn(true, "id", 23, -1),
          new RelationColumn(false, "note", 25, -1),
          new RelationColumn(false, "price", 1700, 655_366));

  @Test
  void decode_relation_returnsNamesColumnsAndKeyFlags() {
    PgOutputMessage m = decode(relationBody(MessageBytes.type('R')));

    assertThat(m).isEqualTo(new Relation(0, 16_391, "public", "orders", 'd', ORDERS_COLUMNS));
  }

  @Test
  void decode_relationInStreamBlock_readsLeadingXid() {
    PgOutputMessage m = decode(relationBody(MessageBytes.type('R').i32(742)), true);

    assertThat(m).isEqualTo(new Relation(742, 16_391, "public", "orders", 'd', ORDERS_COLUMNS));
  }

  @Test
  void decode_relationWithZeroColumnsAndPgCatalogNamespace_returnsEmptyColumns() {
    PgOutputMessage m = decode(MessageBytes.type('R').i32(7).cstr("").cstr("empty").i8('n').i16(0));

    assertThat(m).isEqualTo(new Relation(0, 7, "", "empty", 'n', List.of()));
  }

  @Test
  void decode_relationWithUnicodeNames_decodesUtf8() {
    PgOutputMessage m =
        decode(
            MessageBytes.type('R')
                .i32(9)
                .cstr("schéma")
                .cstr("表")
                .i8('f')
                .i16(1)
                .i8(1)
                .cstr("größe ✓")
                .i32(25)
                .i32(-1));

    assertThat(m)
        .isEqualTo(
            new Relation(
                0, 9, "schéma", "表", 'f', List.of(new RelationColumn(true, "größe ✓", 25, -1))));
  }

  @Test
  void decode_relationColumns_areImmutable() {
    Relation r = (Relation) decode(relationBody(MessageBytes.type('R')));

    assertThatThrownBy(() -> r.columns().add(new RelationColumn(false, "x", 1, 1)))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void decode_type_returnsOidNamespaceAndName() {
    assertThat(decode(MessageBytes.type('Y').i32(16_385).cstr("public").cstr("mood")))
        .isEqualTo(new Type(0, 16_385, "public", "mood"));
  }

  @Test
  void decode_typeInStreamBlock_readsLeadingXid() {
    assertThat(decode(MessageBytes.type('Y').i32(5).i32(16_385).cstr("s").cstr("t"), true))
        .isEqualTo(new Type(5, 16_385, "s", "t"));
  }

  // ---------------------------------------------------------------- Insert / Update / Delete

  @Test
  void decode_insertWithAllTupleKinds_returnsKindsAndValues() {
    Insert m =
        (Insert)
            decode(
                MessageBytes.type('I')
                    .i32(16_391)
                    .i8('N')
                    .i16(4)
                    .text("42")
                    .nullValue()
                    .unchangedToast()
                    .binary(new byte[] {0, 1, (byte) 0xFF}));

    assertThat(m.xid()).isZero();
    assertThat(m.relationId()).isEqualTo(16_391);
    TupleData t = m.newTuple();
    assertThat(t.size()).isEqualTo(4);
    assertThat(t.kind(0)).isEqualTo(TupleData.TEXT);
    assertThat(t.text(0)).isEqualTo("42");
    assertThat(t.binary(0)).isNull();
    assertThat(t.kind(1)).isEqualTo(TupleData.NULL);
    assertThat(t.isNull(1)).isTrue();
    assertThat(t.text(1)).isNull();
    assertThat(t.kind(2)).isEqualTo(TupleData.UNCHANGED_TOAST);
    assertThat(t.isUnchangedToast(2)).isTrue();
    assertThat(t.isNull(2)).isFalse();
    assertThat(t.text(2)).isNull();
    assertThat(t.kind(3)).isEqualTo(TupleData.BINARY);
    assertThat(t.binary(3)).containsExactly(0, 1, 0xFF);
    assertThat(t.text(3)).isNull();
    assertThat(t)
        .isEqualTo(
            TupleData.builder()
                .addText("42")
                .addNull()
                .addUnchangedToast()
                .addBinary(new byte[] {0, 1, (byte) 0xFF})
                .build());
  }

  @Test
  void decode_insertWithEmptyAndUnicodeText_decodesUtf8() {
    Insert m =
        (Insert)
            decode(
                MessageBytes.type('I')
                    .i32(1)
                    .i8('N')
                    .i16(3)
                    .text("")
                    .text("Grüße ✓ 日本 😀")
                    .text("x"));

    assertThat(m.newTuple()).isEqualTo(TupleData.ofText("", "Grüße ✓ 日本 😀", "x"));
  }

  @Test
  void decode_insertWithZeroColumns_returnsEmptyTuple() {
    Insert m = (Insert) decode(MessageBytes.type('I').i32(1).i8('N').i16(0));

    assertThat(m.newTuple().size()).isZero();
    assertThat(m.newTuple()).isEqualTo(TupleData.ofText());
  }

  @Test
  void decode_insertInStreamBlock_readsLeadingXid() {
    PgOutputMessage m =
        decode(MessageBytes.type('I').i32(900).i32(1).i8('N').i16(1).text("a"), true);

    assertThat(m).isEqualTo(new Insert(900, 1, TupleData.ofText("a")));
  }

  @Test
  void decode_insertWithoutNewTupleMarker_throwsNamingMarker() {
    assertThatThrownBy(() -> decode(MessageBytes.type('I').i32(1).i8('K').i16(0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'K' (0x4B)")
        .hasMessageContaining("Insert");
  }

  @Test
  void decode_updateWithoutOldTuple_returnsNullOldAndNulChar() {
    PgOutputMessage m =
        decode(MessageBytes.type('U').i32(3).i8('N').i16(2).text("1").unchangedToast());

    Update u = (Update) m;
    assertThat(u.oldTuple()).isNull();
    assertThat(u.oldKind()).isEqualTo('\0');
    assertThat(u.newTuple().text(0)).isEqualTo("1");
    assertThat(u.newTuple().isUnchangedToast(1)).isTrue();
    assertThat(u).isEqualTo(new Update(0, 3, null, '\0', u.newTuple()));
  }

  @Test
  void decode_updateWithOldTuple_returnsOldAndNew() {
    PgOutputMessage m =
        decode(
            MessageBytes.type('U')
                .i32(3)
                .i8('O')
                .i16(2)
                .text("1")
                .text("old")
                .i8('N')
                .i16(2)
                .text("1")
                .text("new"));

    assertThat(m)
        .isEqualTo(
            new Update(0, 3, TupleData.ofText("1", "old"), 'O', TupleData.ofText("1", "new")));
  }

  @Test
  void decode_updateWithOldKey_returnsKeyKind() {
    PgOutputMessage m =
        decode(
            MessageBytes.type('U')
                .i32(3)
                .i8('K')
                .i16(2)
                .text("1")
                .nullValue()
                .i8('N')
                .i16(2)
                .text("2")
                .text("v"));

    assertThat(m)
        .isEqualTo(new Update(0, 3, TupleData.ofText("1", null), 'K', TupleData.ofText("2", "v")));
  }

  @Test
  void decode_updateInStreamBlock_readsLeadingXid() {
    PgOutputMessage m =
        decode(MessageBytes.type('U').i32(77).i32(3).i8('N').i16(1).text("z"), true);

    assertThat(m).isEqualTo(new Update(77, 3, null, '\0', TupleData.ofText("z")));
  }

  @Test
  void decode_updateWithBadMarker_throwsNamingMarker() {
    assertThatThrownBy(() -> decode(MessageBytes.type('U').i32(3).i8('X').i16(0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'X' (0x58)");
  }

  @Test
  void decode_deleteWithKey_returnsOldKey() {
    PgOutputMessage m = decode(MessageBytes.type('D').i32(3).i8('K').i16(2).text("1").nullValue());

    assertThat(m).isEqualTo(new Delete(0, 3, TupleData.ofText("1", null), 'K'));
  }

  @Test
  void decode_deleteWithFullOldRow_returnsOldRow() {
    PgOutputMessage m =
        decode(MessageBytes.type('D').i32(4).i32(3).i8('O').i16(2).text("1").text("x"), true);

    assertThat(m).isEqualTo(new Delete(4, 3, TupleData.ofText("1", "x"), 'O'));
  }

  @Test
  void decode_deleteWithNewTupleMarker_throws() {
    assertThatThrownBy(() -> decode(MessageBytes.type('D').i32(3).i8('N').i16(0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'N' (0x4E)")
        .hasMessageContaining("Delete");
  }

  // ---------------------------------------------------------------- Truncate and Message

  @Test
  void decode_truncate_returnsRelationIdsAndOptions() {
    Truncate t = (Truncate) decode(MessageBytes.type('T').i32(2).i8(3).i32(16_391).i32(16_398));

    assertThat(t).isEqualTo(new Truncate(0, (byte) 3, List.of(16_391, 16_398)));
    assertThat(t.isCascade()).isTrue();
    assertThat(t.isRestartIdentity()).isTrue();
  }

  @Test
  void decode_truncateWithoutOptionsInStreamBlock_readsXid() {
    Truncate t = (Truncate) decode(MessageBytes.type('T').i32(55).i32(1).i8(0).i32(9), true);

    assertThat(t).isEqualTo(new Truncate(55, (byte) 0, List.of(9)));
    assertThat(t.isCascade()).isFalse();
    assertThat(t.isRestartIdentity()).isFalse();
  }

  @Test
  void decode_truncateOptionBits_areIndependent() {
    assertThat(new Truncate(0, (byte) 1, List.of()).isCascade()).isTrue();
    assertThat(new Truncate(0, (byte) 1, List.of()).isRestartIdentity()).isFalse();
    assertThat(new Truncate(0, (byte) 2, List.of()).isCascade()).isFalse();
    assertThat(new Truncate(0, (byte) 2, List.of()).isRestartIdentity()).isTrue();
  }

  @Test
  void decode_truncateWithImpossibleCount_throws() {
    assertThatThrownBy(() -> decode(MessageBytes.type('T').i32(1000).i8(0).i32(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("relation count 1000");
  }

  @Test
  void decode_transactionalMessage_returnsPrefixAndContent() {
    PgOutputMessage m =
        decode(MessageBytes.type('M').i8(1).i64(0x15381L).cstr("trickle").i32(1).i8('x'));

    assertThat(m).isEqualTo(new LogicalMessage(0, true, 0x15381L, "trickle", new byte[] {'x'}));
  }

  @Test
  void decode_nonTransactionalMessageWithEmptyContent_returnsEmptyArray() {
    LogicalMessage m = (LogicalMessage) decode(MessageBytes.type('M').i8(0).i64(8).cstr("").i32(0));

    assertThat(m.transactional()).isFalse();
    assertThat(m.prefix()).isEmpty();
    assertThat(m.content()).isEmpty();
  }

  @Test
  void decode_messageInStreamBlock_readsLeadingXid() {
    PgOutputMessage m =
        decode(MessageBytes.type('M').i32(31).i8(1).i64(8).cstr("p").i32(2).i8(0).i8(0xFF), true);

    assertThat(m).isEqualTo(new LogicalMessage(31, true, 8, "p", new byte[] {0, (byte) 0xFF}));
  }

  @Test
  void logicalMessage_contentIsCopiedAndComparedByValue() {
    byte[] content = {1, 2};
    LogicalMessage m = new LogicalMessage(0, true, 1, "p", content);
    content[0] = 9;
    m.content()[1] = 9;

    assertThat(m.content()).containsExactly(1, 2);
    assertThat(m).isEqualTo(new LogicalMessage(0, true, 1, "p", new byte[] {1, 2}));
    assertThat(m).hasSameHashCodeAs(new LogicalMessage(0, true, 1, "p", new byte[] {1, 2}));
    assertThat(m).isNotEqualTo(new LogicalMessage(0, true, 1, "p", new byte[] {1, 3}));
    assertThat(m.toString()).contains("content=0x0102").contains("prefix=p");
  }

  // ---------------------------------------------------------------- streaming

  @Test
  void decode_streamStart_returnsXidAndFirstSegment() {
    assertThat(decode(MessageBytes.type('S').i32(742).i8(1))).isEqualTo(new StreamStart(742, true));
    assertThat(decode(MessageBytes.type('S').i32(742).i8(0)))
        .isEqualTo(new StreamStart(742, false));
  }

  @Test
  void decode_streamStop_returnsStreamStop() {
    assertThat(decode(MessageBytes.type('E'), true)).isEqualTo(new StreamStop());
  }

  @Test
  void decode_streamCommit_returnsAllFields() {
    assertThat(decode(MessageBytes.type('c').i32(742).i8(0).i64(10).i64(20).i64(30)))
        .isEqualTo(new StreamCommit(742, (byte) 0, 10, 20, 30));
  }

  @Test
  void decode_streamAbort_returnsXidAndSubXid() {
    assertThat(decode(MessageBytes.type('A').i32(742).i32(743)))
        .isEqualTo(new StreamAbort(742, 743));
  }

  @Test
  void decode_streamAbortWithProtocol4Fields_leavesThemUnread() {
    ByteBuffer buf = MessageBytes.type('A').i32(742).i32(742).i64(99).i64(1234).buffer();

    assertThat(PgOutputDecoder.decode(buf, false)).isEqualTo(new StreamAbort(742, 742));
    assertThat(buf.remaining()).isEqualTo(16);
  }

  // ---------------------------------------------------------------- errors

  @Test
  void decode_unknownMessageType_throwsNamingTheByteAsCharAndHex() {
    assertThatThrownBy(() -> decode(MessageBytes.type('Z').i32(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Unknown pgoutput message type")
        .hasMessageContaining("'Z'")
        .hasMessageContaining("0x5A");
  }

  @Test
  void decode_unknownNonPrintableMessageType_throwsWithEscapeAndHex() {
    assertThatThrownBy(() -> decode(MessageBytes.type('\u0001')))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'\\u0001'")
        .hasMessageContaining("0x01");
  }

  @Test
  void decode_protocol3BeginPrepare_isUnknown() {
    assertThatThrownBy(() -> decode(MessageBytes.type('b').i64(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'b' (0x62)");
  }

  @Test
  void decode_unknownTupleKind_throwsNamingTheByte() {
    assertThatThrownBy(() -> decode(MessageBytes.type('I').i32(1).i8('N').i16(2).text("1").i8('x')))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Unknown tuple column kind")
        .hasMessageContaining("'x' (0x78)")
        .hasMessageContaining("column 1");
  }

  @Test
  void decode_emptyBuffer_throws() {
    assertThatThrownBy(() -> PgOutputDecoder.decode(ByteBuffer.allocate(0), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Empty buffer");
  }

  @Test
  void decode_textLengthBeyondBuffer_throwsNamingLength() {
    assertThatThrownBy(
            () -> decode(MessageBytes.type('I').i32(1).i8('N').i16(1).i8('t').i32(50).i8('a')))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Invalid length 50");
  }

  @Test
  void decode_negativeTextLength_throws() {
    assertThatThrownBy(() -> decode(MessageBytes.type('I').i32(1).i8('N').i16(1).i8('t').i32(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Invalid length -1");
  }

  @Test
  void decode_stringWithoutTerminator_throwsNamingField() {
    byte[] bytes = MessageBytes.type('O').i64(1).raw(new byte[] {'a', 'b'}).toArray();

    assertThatThrownBy(() -> PgOutputDecoder.decode(ByteBuffer.wrap(bytes), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("origin name");
    assertThatThrownBy(
            () ->
                PgOutputDecoder.decode(
                    ByteBuffer.allocateDirect(bytes.length).put(bytes).flip(), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("origin name");
  }

  /** One well-formed sample of every message type, for the truncation and buffer-kind tests. */
  static Stream<Arguments> samples() {
    return Stream.of(
        Arguments.of("Begin", MessageBytes.type('B').i64(1).i64(2).i32(3), false),
        Arguments.of("Commit", MessageBytes.type('C').i8(0).i64(1).i64(2).i64(3), false),
        Arguments.of("Origin", MessageBytes.type('O').i64(1).cstr("origin"), false),
        Arguments.of("Relation", relationBody(MessageBytes.type('R')), false),
        Arguments.of("Relation streamed", relationBody(MessageBytes.type('R').i32(8)), true),
        Arguments.of("Type", MessageBytes.type('Y').i32(1).cstr("public").cstr("mood"), false),
        Arguments.of(
            "Insert",
            MessageBytes.type('I')
                .i32(1)
                .i8('N')
                .i16(4)
                .text("12345")
                .text("hello wörld")
                .nullValue()
                .binary(new byte[] {1, 2}),
            false),
        Arguments.of(
            "Update",
            MessageBytes.type('U')
                .i32(1)
                .i8('O')
                .i16(2)
                .text("1")
                .unchangedToast()
                .i8('N')
                .i16(2)
                .text("2")
                .unchangedToast(),
            false),
        Arguments.of("Delete", MessageBytes.type('D').i32(3).i8('K').i16(1).text("1"), false),
        Arguments.of("Truncate", MessageBytes.type('T').i32(2).i8(1).i32(5).i32(6), false),
        Arguments.of(
            "Message",
            MessageBytes.type('M').i32(4).i8(1).i64(9).cstr("p").i32(3).i8(1).i8(2).i8(3),
            true),
        Arguments.of("StreamStart", MessageBytes.type('S').i32(4).i8(1), false),
        Arguments.of(
            "StreamCommit", MessageBytes.type('c').i32(4).i8(0).i64(1).i64(2).i64(3), false),
        Arguments.of("StreamAbort", MessageBytes.type('A').i32(4).i32(5), false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("samples")
  void decode_everyTruncatedPrefix_throwsIllegalArgumentAndRestoresPosition(
      String name, MessageBytes bytes, boolean inStreamBlock) {
    byte[] full = bytes.toArray();
    for (int len = 1; len < full.length; len++) {
      ByteBuffer buf = ByteBuffer.wrap(full, 0, len);
      int prefixLength = len;
      assertThatThrownBy(() -> PgOutputDecoder.decode(buf, inStreamBlock))
          .as("%s truncated to %d of %d bytes", name, prefixLength, full.length)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("(0x");
      assertThat(buf.position()).isZero();
    }
  }

  @Test
  void decode_truncatedInsert_namesTypeAndSays() {
    assertThatThrownBy(() -> decode(MessageBytes.type('I').i32(1).i8('N').i16(2).text("1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Truncated pgoutput message of type 'I' (0x49)");
  }

  // ---------------------------------------------------------------- buffer kinds

  static Stream<Arguments> bufferKinds() {
    List<Function<byte[], ByteBuffer>> kinds =
        List.of(
            bytes -> {
              // heap buffer whose position is not 0, with trailing garbage beyond the limit
              ByteBuffer b = ByteBuffer.allocate(bytes.length + 10);
              b.put(new byte[] {9, 9, 9, 9, 9}).put(bytes).put(new byte[] {7, 7, 7, 7, 7});
              return b.position(5).limit(5 + bytes.length);
            },
            bytes -> {
              // slice: arrayOffset != 0
              ByteBuffer b = ByteBuffer.allocate(bytes.length + 3);
              b.position(3);
              return b.slice().put(bytes).flip();
            },
            bytes -> ByteBuffer.allocateDirect(bytes.length + 2).position(2).put(bytes).position(2),
            bytes -> ByteBuffer.wrap(bytes).asReadOnlyBuffer(),
            bytes -> ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN));
    List<String> names = List.of("offset heap", "slice", "direct", "read-only", "little-endian");
    return samples()
        .flatMap(
            s ->
                java.util.stream.IntStream.range(0, kinds.size())
                    .mapToObj(
                        i ->
                            Arguments.of(
                                s.get()[0] + " / " + names.get(i),
                                s.get()[1],
                                s.get()[2],
                                kinds.get(i))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bufferKinds")
  void decode_anyBufferKind_matchesPlainHeapBuffer(
      String name, MessageBytes bytes, boolean inStreamBlock, Function<byte[], ByteBuffer> kind) {
    byte[] raw = bytes.toArray();
    PgOutputMessage expected = PgOutputDecoder.decode(ByteBuffer.wrap(raw), inStreamBlock);
    ByteBuffer buf = kind.apply(raw);
    int start = buf.position();
    ByteOrder order = buf.order();

    PgOutputMessage actual = PgOutputDecoder.decode(buf, inStreamBlock);

    assertThat(actual).as(name).isEqualTo(expected);
    assertThat(buf.position()).isEqualTo(start + raw.length);
    assertThat(buf.order()).isEqualTo(order);
  }

  @Test
  void decode_consecutiveMessagesInOneBuffer_advancesPosition() {
    ByteBuffer buf =
        MessageBytes.type('S')
            .i32(5)
            .i8(1)
            .i8('I')
            .i32(5)
            .i32(1)
            .i8('N')
            .i16(1)
            .text("v")
            .i8('E')
            .buffer();

    assertThat(PgOutputDecoder.decode(buf, false)).isEqualTo(new StreamStart(5, true));
    assertThat(PgOutputDecoder.decode(buf, true))
        .isEqualTo(new Insert(5, 1, TupleData.ofText("v")));
    assertThat(PgOutputDecoder.decode(buf, true)).isEqualTo(new StreamStop());
    assertThat(buf.hasRemaining()).isFalse();
  }
}
