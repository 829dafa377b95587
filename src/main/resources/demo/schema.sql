CREATE TABLE IF NOT EXISTS demo_orders (
    id bigint PRIMARY KEY,
    customer text NOT NULL,
    amount numeric(10, 2) NOT NULL,
    note text
);
CREATE TABLE IF NOT EXISTS demo_clicks (page text NOT NULL, visitor int);
INSERT INTO demo_orders
SELECT g, 'customer-' || (g % 97), ((g * 37) % 1000) + 0.99, CASE WHEN g % 5 = 0 THEN NULL ELSE 'n' || g END
  FROM generate_series(1, 10000) g
ON CONFLICT (id) DO NOTHING;
INSERT INTO demo_clicks
SELECT (ARRAY['/', '/cart', '/health', '/checkout'])[1 + g % 4], g % 50 FROM generate_series(1, 2000) g
 WHERE NOT EXISTS (SELECT 1 FROM demo_clicks);
