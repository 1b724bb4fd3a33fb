-- events_horizon() (migration 007) in PL/pgSQL: the same rule, but a LANGUAGE sql
-- function that cannot be inlined is planned again on every call, and planning its
-- query over pg_stat_activity cost about 1.5 ms, more than the reads it guards (the
-- relay and the store tail call it for every page). PL/pgSQL keeps its plans for the
-- session: 0.2 ms.
--
-- The order is the one the safety argument of migration 007 needs: the snapshot
-- first, then pg_stat_activity, read afresh (its per-transaction cache cleared first).
create or replace function events_horizon() returns xid8
language plpgsql volatile as $$
declare
  v_snapshot pg_snapshot;
  v_blind boolean;
  v_oldest xid8;
begin
  perform pg_stat_clear_snapshot();
  v_snapshot := pg_current_snapshot();
  -- Another role's transaction ids are hidden without pg_read_all_stats: then the
  -- cluster-wide xmin, slower to advance, never unsafe.
  select bool_or(a.query = '<insufficient privilege>') into v_blind
  from pg_stat_activity a
  where a.datname = current_database() and a.pid <> pg_backend_pid();
  if v_blind then
    return pg_snapshot_xmin(v_snapshot);
  end if;
  select min(x) into v_oldest
  from pg_snapshot_xip(v_snapshot) x
  where (x::text::numeric % 4294967296)::text in (
    select a.backend_xid::text from pg_stat_activity a
    where a.datname = current_database() and a.pid <> pg_backend_pid()
      and a.backend_xid is not null
    union all
    select p.transaction::text from pg_prepared_xacts p
    where p.database = current_database());
  return coalesce(v_oldest, pg_snapshot_xmax(v_snapshot));
end
$$;
