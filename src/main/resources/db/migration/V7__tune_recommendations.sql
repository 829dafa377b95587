-- Trickle catalog, version 7: the configuration advisor's recommendations (seed QW-2), as the
-- service last published them (about every second while there are any; none is no rows).
-- pgtrickle.tune_recommendations() reads them, so SQL users see what
-- GET /api/v1/tune-recommendations and `trickle tune` show.
CREATE TABLE pgtrickle.pgt_tune_recommendations (
    ordinal            int         PRIMARY KEY,
    guc_name           text        NOT NULL,
    current_value      text        NOT NULL,
    recommended_value  text        NOT NULL,
    reason             text        NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION pgtrickle.tune_recommendations()
RETURNS TABLE (guc_name text, current_value text, recommended_value text, reason text)
LANGUAGE sql STABLE AS $$
    SELECT r.guc_name, r.current_value, r.recommended_value, r.reason
      FROM pgtrickle.pgt_tune_recommendations r
     ORDER BY r.ordinal
$$;
