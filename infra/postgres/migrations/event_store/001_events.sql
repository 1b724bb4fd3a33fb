-- The event store: the source of truth. Append-only.

-- One row per stream, its current version. Appends guard on it, so a stale
-- expected version is refused by the database, not by a read-then-insert.
create table streams (
  stream_id   text primary key,
  stream_type text not null,
  version     bigint not null check (version > 0)
);

create table events (
  global_position bigint generated always as identity primary key,
  -- Transaction id of the append: the gap-safe cursor orders by (transaction_id, global_position)
  -- and reads only transactions older than every one still running.
  transaction_id  xid8 not null default pg_current_xact_id(),
  stream_id       text not null,
  stream_type     text not null,
  stream_version  bigint not null check (stream_version > 0),
  event_id        uuid not null unique,
  event_type      text not null,
  schema_version  integer not null default 1,
  data            jsonb not null,
  metadata        jsonb not null,
  occurred_at     timestamptz not null default now(),
  unique (stream_id, stream_version)
);

create index events_cursor on events (transaction_id, global_position);

-- History is immutable: nobody, not even the table owner, updates, deletes or truncates events.
create function events_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'events are append-only: % is not allowed', tg_op using errcode = '42501';
end
$$;

create trigger events_no_update_delete before update or delete on events
  for each row execute function events_append_only();

create trigger events_no_truncate before truncate on events
  for each statement execute function events_append_only();
