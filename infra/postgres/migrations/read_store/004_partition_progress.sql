-- Each partition's batches record their progress on their own checkpoint row,
-- so the partitions' transactions no longer queue for projector_state's one
-- row. The highest applied position is the greatest over the rows (and
-- projector_state's, kept from before); the generation is their sum plus
-- projector_state's, which a restore's swap raises. Both only grow.
alter table projector_checkpoints add column max_position bigint not null default 0;
alter table projector_checkpoints add column generation bigint not null default 0;
