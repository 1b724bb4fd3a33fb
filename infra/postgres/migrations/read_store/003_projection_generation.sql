-- Counts the transactions that changed the projection tables: a restore's swap and
-- a dead letter's retry add one in the same transaction as their change (projector
-- batches did too, until migration 004 gave each partition's checkpoint its own).
-- A page rendered at generation G shows everything G committed, so a web
-- process may serve it again while G is still current (utils/page_cache.ts).
alter table projector_state add column generation bigint not null default 0;
