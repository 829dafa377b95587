-- Trickle catalog, version 10: the offsets of the embedded Debezium connector
-- (cdc.source: debezium), one row per slot and offset key, as Debezium's offset store writes them.
-- Trickle lets the connector store only positions that every stream table's committed frontier
-- already includes, and deletes a slot's rows when the slot is created again.
CREATE TABLE pgtrickle.pgt_cdc_offsets (
    slot_name   text        NOT NULL,
    offset_key  bytea       NOT NULL,
    offset_value bytea,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (slot_name, offset_key)
);
