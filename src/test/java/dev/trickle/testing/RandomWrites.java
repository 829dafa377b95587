package dev.trickle.testing;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.SplittableRandom;

/** Random writes of the fault tests, one transaction a call. */
public final class RandomWrites {
  private RandomWrites() {}

  /**
   * Inserts, updates or deletes a row of {@code items (id int PRIMARY KEY, v int, w text)}, or adds
   * three rows to {@code ticks (tag text, v int)} and deletes one (a table without a key, where a
   * change applied twice leaves copies).
   *
   * @param st a statement on an autocommit connection
   * @param rnd the random source
   * @throws SQLException when the write fails
   */
  public static void itemsAndTicks(Statement st, SplittableRandom rnd) throws SQLException {
    int id = 1 + rnd.nextInt(700);
    switch (rnd.nextInt(4)) {
      case 0 ->
          st.execute(
              "INSERT INTO items VALUES ("
                  + id
                  + ", "
                  + rnd.nextInt(50)
                  + ", 'n') ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v");
      case 1 -> st.execute("UPDATE items SET v = v + 1, w = w || '.' WHERE id = " + id);
      case 2 -> st.execute("DELETE FROM items WHERE id = " + id);
      default ->
          st.execute(
              "INSERT INTO ticks SELECT 't' || "
                  + rnd.nextInt(5)
                  + ", g % 4 FROM generate_series(1, 3) g;"
                  + " DELETE FROM ticks WHERE ctid IN (SELECT ctid FROM ticks LIMIT 1)");
    }
  }
}
