-- The acceptance corpus (../shared/acceptance/corpus.py): its schema and every query, tag in the name.

CREATE TABLE branches (id int PRIMARY KEY, city text NOT NULL);
CREATE TABLE accounts (id int PRIMARY KEY, branch_id int, owner text, kind text, opened date, labels text);
CREATE TABLE transfers (id bigint PRIMARY KEY, src int, dst int, amount numeric(12,2), state text, memo text);
CREATE TABLE audit (actor text, n int);

-- query: p_scan_core
SELECT id, src, dst, amount, state FROM transfers;
-- query: p_filter_core
SELECT id, amount FROM transfers WHERE state = 'booked' AND amount >= 300;
-- query: p_project_core
SELECT id, upper(state) AS st, COALESCE(amount, 0) * 2 AS a2,
       CASE WHEN amount > 450 THEN 'large' ELSE 'small' END AS size, length(memo) AS memo_len FROM transfers;
-- query: p_nopk_core
SELECT actor, n FROM audit WHERE n > 5;
-- query: p_join_dvm1
SELECT t.id, a.owner, t.amount FROM transfers t JOIN accounts a ON a.id = t.src;
-- query: p_left_dvm1
SELECT a.id, t.id AS tid FROM accounts a LEFT JOIN transfers t ON t.dst = a.id AND t.state = 'pending';
-- query: p_agg_dvm1
SELECT state, count(*) AS n, sum(amount) AS total, avg(amount) AS mean FROM transfers GROUP BY state;
-- query: p_minmax_dvm1
SELECT src, min(amount) AS lo, max(amount) AS hi FROM transfers GROUP BY src;
-- query: p_join_agg_dvm1
SELECT b.city, count(*) AS n, sum(t.amount) AS volume FROM transfers t
       JOIN accounts a ON a.id = t.src JOIN branches b ON b.id = a.branch_id GROUP BY b.city;
-- query: p_global_dvm1
SELECT count(*) AS n, sum(amount) AS s FROM transfers WHERE state = 'rejected';
-- query: p_distinct_dvm1
SELECT DISTINCT src, state FROM transfers;
-- query: p_union_dvm1
SELECT src AS acct FROM transfers WHERE amount > 800 UNION SELECT id FROM accounts WHERE kind = 'loan';
-- query: p_except_all_dvm1
SELECT src FROM transfers EXCEPT ALL SELECT dst FROM transfers;
-- query: p_exists_dvm2
SELECT a.id FROM accounts a
       WHERE EXISTS (SELECT 1 FROM transfers t WHERE t.src = a.id AND t.amount > 850);
-- query: p_cte_dvm2
WITH big AS (SELECT src, amount FROM transfers WHERE amount > 500)
       SELECT src, count(*) AS n FROM big GROUP BY src;
-- query: p_window_dvm2
SELECT id, src, rank() OVER (PARTITION BY src ORDER BY amount DESC NULLS LAST, id) AS r FROM transfers;
-- query: p_topk_dvm2
SELECT id, amount FROM transfers WHERE amount IS NOT NULL ORDER BY amount DESC, id LIMIT 5;
-- query: p_lateral_dvm2
SELECT a.id, l.label FROM accounts a,
       LATERAL unnest(string_to_array(a.labels, ',')) AS l(label) WHERE l.label <> '';
-- query: p_cube_dvm2
SELECT state, kind, count(*) AS n FROM transfers t JOIN accounts a ON a.id = t.src GROUP BY CUBE (state, kind);
