package dev.trickle.dvm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

final class MergePartsTest {
  @Test
  void keyed_parenthesizedSourceAliasedS() {
    MergeParts p =
        MergeParts.of(
                "MERGE INTO \"a\".\"b\" t USING (SELECT k.*, n.* FROM (SELECT 1) k LEFT JOIN (SELECT"
                    + " ')', 'MERGE INTO x t USING y s ON ' FROM z) n ON true) s ON t.__pgt_k1 ="
                    + " s.__pgt_r1 WHEN MATCHED THEN DELETE")
            .orElseThrow();

    assertThat(p.with()).isEmpty();
    assertThat(p.target()).isEqualTo("\"a\".\"b\"");
    assertThat(p.source()).startsWith("(SELECT k.*").endsWith("n ON true)");
    assertThat(p.tail()).isEqualTo(" ON t.__pgt_k1 = s.__pgt_r1 WHEN MATCHED THEN DELETE");
    assertThat(p.after()).isEmpty();
    assertThat(p.materialize("pg_temp.c"))
        .isEqualTo(
            "CREATE TEMP TABLE pg_temp.c AS SELECT row_number() OVER () AS __pgt_rn, x.* FROM "
                + p.source()
                + " x");
    assertThat(p.chunk("pg_temp.c", 100, 200))
        .isEqualTo(
            "MERGE INTO \"a\".\"b\" t USING (SELECT * FROM pg_temp.c WHERE __pgt_rn > 100 AND"
                + " __pgt_rn <= 200) s ON t.__pgt_k1 = s.__pgt_r1 WHEN MATCHED THEN DELETE");
  }

  @Test
  void multiset_cteSource() {
    MergeParts p =
        MergeParts.of(
                "WITH d AS (SELECT 1), ops AS (SELECT * FROM d) MERGE INTO t1 t USING ops s ON"
                    + " t.__pgt_row_id = s.__pgt_rid WHEN NOT MATCHED THEN INSERT (a) VALUES (s.a)")
            .orElseThrow();

    assertThat(p.with()).isEqualTo("WITH d AS (SELECT 1), ops AS (SELECT * FROM d) ");
    assertThat(p.source()).isEqualTo("ops");
    assertThat(p.tail()).startsWith(" ON t.__pgt_row_id").endsWith("VALUES (s.a)");
    assertThat(p.materialize("c"))
        .isEqualTo(
            "CREATE TEMP TABLE c AS WITH d AS (SELECT 1), ops AS (SELECT * FROM d) SELECT"
                + " row_number() OVER () AS __pgt_rn, x.* FROM ops x");
  }

  @Test
  void aggregate_unaliasedCteSource_andARescanAfterIt() {
    MergeParts p =
        MergeParts.of(
                "WITH d AS (SELECT ';'), s AS (SELECT * FROM d) MERGE INTO t1 t USING s ON"
                    + " t.__pgt_row_id = s.__pgt_rid WHEN MATCHED THEN UPDATE SET n = t.n + s.n;"
                    + " UPDATE t1 SET x = 1 WHERE __pgt_rescan")
            .orElseThrow();

    assertThat(p.source()).isEqualTo("s");
    assertThat(p.tail())
        .isEqualTo(" ON t.__pgt_row_id = s.__pgt_rid WHEN MATCHED THEN UPDATE SET n = t.n + s.n");
    assertThat(p.after()).isEqualTo("UPDATE t1 SET x = 1 WHERE __pgt_rescan");
  }

  @Test
  void noMerge_empty() {
    assertThat(MergeParts.of("DELETE FROM t")).isEmpty();
  }
}
