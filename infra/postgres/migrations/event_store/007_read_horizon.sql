-- The horizon of the gap-safe cursor: every transaction below it has ended, so no row
-- below it can still appear. It was pg_snapshot_xmin, which is cluster-wide: an open
-- transaction in ANY database of the server (another app, a projector batch, a
-- migration elsewhere) held every reader back until it ended. Only transactions that
-- can write to this database's events table matter, so the horizon is the oldest
-- transaction still running in THIS database (or the snapshot's xmax when none runs).
--
-- Why it is safe: a transaction that is running when the snapshot is taken either still
-- runs when pg_stat_activity is read right after (then it bounds the horizon), or has
-- ended by then (then its rows are visible to any LATER statement's snapshot). A
-- transaction that starts later gets an id at or above the snapshot's xmax. So a read
-- of events below the horizon must run in a later statement than the one computing it:
-- read_events() does exactly that, in READ COMMITTED.
--
-- When this role cannot see every session of this database (pg_stat_activity hides
-- other roles' transaction ids without pg_read_all_stats), it falls back to the
-- cluster-wide xmin: slower to advance, never unsafe. Prepared (two-phase) transactions
-- have no session and are counted from pg_prepared_xacts.
create function events_horizon() returns xid8
language sql volatile as $$
  -- pg_stat_activity is cached for the rest of a transaction: read it afresh.
  select pg_stat_clear_snapshot();
  with snap as (select pg_current_snapshot() as s),
  here as (
    select a.backend_xid::text as xid, a.query
    from pg_stat_activity a
    where a.datname = current_database() and a.pid <> pg_backend_pid()
    union all
    select p.transaction::text, null from pg_prepared_xacts p
    where p.database = current_database()
  )
  select case
    when exists (select 1 from here where query = '<insufficient privilege>')
      then pg_snapshot_xmin(snap.s)
    else coalesce(
      (select min(x) from pg_snapshot_xip(snap.s) x
       where (x::text::numeric % 4294967296)::text in
             (select xid from here where xid is not null)),
      pg_snapshot_xmax(snap.s))
  end
  from snap
$$;

-- Events after the cursor, in (transaction id, position) order, below the horizon.
-- Two statements on purpose (see above): the horizon first, then the read with a newer
-- snapshot. Under REPEATABLE READ both would share one snapshot, so it refuses that.
create function read_events(p_after_xid xid8, p_after_position bigint, p_limit integer)
returns setof events
language plpgsql volatile as $$
declare
  v_horizon xid8;
begin
  if current_setting('transaction_isolation') <> 'read committed' then
    raise exception 'read_events needs READ COMMITTED (each statement its own snapshot)';
  end if;
  v_horizon := events_horizon();
  return query
    select * from events e
    where (e.transaction_id, e.global_position) > (p_after_xid, p_after_position)
      and e.transaction_id < v_horizon
    order by e.transaction_id, e.global_position
    limit p_limit;
end
$$;
