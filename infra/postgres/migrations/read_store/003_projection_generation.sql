-- Counts the transactions that changed the projection tables: every projector
-- batch and a restore's swap add one in the same transaction as their change.
-- A page rendered at generation G shows everything G committed, so a web
-- process may serve it again while G is still current (utils/page_cache.ts).
alter table projector_state add column generation bigint not null default 0;
