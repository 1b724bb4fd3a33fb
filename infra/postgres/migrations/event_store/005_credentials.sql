-- Password hashes on the write side, never in an event: events are published
-- to Kafka, kept forever and readable by the query role; this table is not.
create table credentials (
  user_id       uuid primary key,
  password_hash text not null,
  created_at    timestamptz not null default now()
);

-- Hashes written by earlier versions inside UserRegistered move here...
insert into credentials (user_id, password_hash)
select (data ->> 'userId')::uuid, data ->> 'passwordHash'
from events
where event_type = 'UserRegistered' and data ? 'passwordHash'
on conflict (user_id) do nothing;

-- ...and are scrubbed from the log. This is the one rewrite of history the
-- append-only guard allows, for a secret that never belonged there; readers
-- also drop the field (the UserRegistered v1 upcaster).
alter table events disable trigger events_no_update_delete;
update events set data = data - 'passwordHash'
where event_type = 'UserRegistered' and data ? 'passwordHash';
alter table events enable trigger events_no_update_delete;

-- Idle timeout: a session unused for SESSION_IDLE_S is refused.
alter table sessions add column last_seen_at timestamptz not null default now();
