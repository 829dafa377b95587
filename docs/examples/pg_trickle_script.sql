-- A script written for pg_trickle: it runs unchanged against a database that Trickle serves
-- (psql -v ON_ERROR_STOP=1 -f docs/examples/pg_trickle_script.sql; SqlScriptIT runs it).
CREATE TABLE accounts (id int PRIMARY KEY, owner text NOT NULL, region text NOT NULL);
CREATE TABLE transfers (id bigserial PRIMARY KEY, account int NOT NULL REFERENCES accounts,
                        amount numeric(12, 2) NOT NULL, note text);

INSERT INTO accounts SELECT g, 'owner ' || g, (ARRAY['north', 'south', 'east'])[1 + g % 3]
  FROM generate_series(1, 100) g;
INSERT INTO transfers (account, amount, note)
  SELECT 1 + g % 100, (g % 997) / 4.0, CASE WHEN g % 10 = 0 THEN NULL ELSE 'ré ' || g END
  FROM generate_series(1, 5000) g;

-- what would it do?
SELECT refresh_strategy, complexity_class FROM pgtrickle.preview_stream_table(
  'SELECT a.region, sum(t.amount) AS total FROM transfers t JOIN accounts a ON a.id = t.account GROUP BY a.region');

-- positional arguments, named arguments, a preset, and one filled later
SELECT pgtrickle.create_stream_table('big_transfers',
  'SELECT id, account, amount FROM transfers WHERE amount > 200', '1s', 'DIFFERENTIAL');
SELECT pgtrickle.create_stream_table(name => 'region_totals',
  query => 'SELECT a.region, sum(t.amount) AS total, count(*) AS n FROM transfers t JOIN accounts a ON a.id = t.account GROUP BY a.region',
  schedule => '2s');
SELECT pgtrickle.create_stream_table('owners_with_notes',
  'SELECT DISTINCT a.owner FROM accounts a JOIN transfers t ON t.account = a.id WHERE t.note IS NOT NULL',
  preset => 'real-time');
SELECT pgtrickle.create_stream_table('scratch', 'SELECT id FROM accounts', initialize => false);

-- the application goes on writing
UPDATE transfers SET amount = amount + 100 WHERE id % 7 = 0;
DELETE FROM transfers WHERE id % 13 = 0;
INSERT INTO transfers (account, amount, note) SELECT 1 + g % 50, 250, 'late ' || g
  FROM generate_series(1, 300) g;

-- operations
SELECT pgtrickle.alter_stream_table('big_transfers', schedule => '500ms');
SELECT pgtrickle.alter_stream_table('region_totals', refresh_mode => 'FULL');
SELECT pgtrickle.refresh_stream_table('owners_with_notes');
SELECT pgtrickle.drop_stream_table('scratch');

-- inside a transaction that rolls back, nothing happens
BEGIN;
SELECT pgtrickle.create_stream_table('never', 'SELECT id FROM accounts');
SELECT pgtrickle.drop_stream_table('big_transfers');
ROLLBACK;

SELECT name, status, refresh_mode FROM pgtrickle.pgt_status();
