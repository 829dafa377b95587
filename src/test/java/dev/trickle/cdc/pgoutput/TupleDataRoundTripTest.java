package dev.trickle.cdc.pgoutput;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Property: any tuple written in the wire format decodes back to the same values. */
final class TupleDataRoundTripTest {

  /** One column: kind plus value (String for 't', byte[] for 'b'). */
  record Column(char kind, Object value) {}

  @Provide
  Arbitrary<List<Column>> columns() {
    Arbitrary<Column> text =
        Arbitraries.strings().all().ofMaxLength(40).map(s -> new Column('t', s));
    Arbitrary<Column> binary =
        Arbitraries.bytes().array(byte[].class).ofMaxSize(20).map(b -> new Column('b', b));
    Arbitrary<Column> nul = Arbitraries.just(new Column('n', null));
    Arbitrary<Column> toast = Arbitraries.just(new Column('u', null));
    return Arbitraries.oneOf(text, binary, nul, toast).list().ofMaxSize(12);
  }

  @Property
  void insert_encodedThenDecoded_hasSameColumns(
      @ForAll("columns") List<Column> cols, @ForAll boolean streamed) {
    int xid = streamed ? 1234 : 0;
    MessageBytes m = MessageBytes.type('I');
    if (streamed) {
      m.i32(xid);
    }
    m.i32(99).i8('N').i16(cols.size());
    TupleData.Builder expected = TupleData.builder();
    for (Column c : cols) {
      switch (c.kind()) {
        case 't' -> {
          // unpaired surrogates do not survive UTF-8; compare against what UTF-8 can carry
          String s = sanitize((String) c.value());
          m.text(s);
          expected.addText(s);
        }
        case 'b' -> {
          m.binary((byte[]) c.value());
          expected.addBinary((byte[]) c.value());
        }
        case 'n' -> {
          m.nullValue();
          expected.addNull();
        }
        default -> {
          m.unchangedToast();
          expected.addUnchangedToast();
        }
      }
    }

    PgOutputMessage decoded = PgOutputDecoder.decode(m.buffer(), streamed);
    PgOutputMessage decodedDirect =
        PgOutputDecoder.decode(
            ByteBuffer.allocateDirect(m.toArray().length).put(m.toArray()).flip(), streamed);

    assertThat(decoded).isEqualTo(new Insert(xid, 99, expected.build()));
    assertThat(decodedDirect).isEqualTo(decoded);
  }

  private static String sanitize(String s) {
    return new String(s.getBytes(UTF_8), UTF_8);
  }
}
