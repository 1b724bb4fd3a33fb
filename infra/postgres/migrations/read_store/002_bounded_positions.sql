-- applied_positions stops growing with the history: the projector prunes
-- positions applied a while ago (they are written once per batch, read only by
-- readers waiting for their own fresh write) and records the highest pruned
-- position here; a position at or below it counts as applied.
alter table projector_state add column pruned_below bigint not null default 0;
